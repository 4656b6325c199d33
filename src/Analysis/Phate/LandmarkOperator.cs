using EquiGrid.Analysis.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace EquiGrid.Analysis.Phate;

/// <summary>
/// The diffusion operator PHATE works with, in a symmetric form: P = Dr^-1 S with S symmetric and
/// Dr = rowsum(S). Without landmarks S is the kernel K itself. With landmarks (PHATE's construction):
/// B = C K sums kernel rows over each landmark cluster (m x n), P_mn = rownorm(B), P_nm = rownorm(B^T) and the
/// landmark operator is P_mn P_nm = Dr^-1 (B Dc^-1 B^T), so S = B Dc^-1 B^T. Keeping S symmetric lets one
/// symmetric eigendecomposition give both the entropy spectrum and P^t.
/// </summary>
public sealed class LandmarkOperator
{
    private LandmarkOperator(RowMatrix s, SparseRows? transitions)
    {
        Symmetric = s;
        Transitions = transitions;
    }

    /// <summary>The symmetric matrix S (m x m).</summary>
    public RowMatrix Symmetric { get; }

    /// <summary>P_nm (n x m, row-stochastic): maps landmark coordinates back to points; null without landmarks.</summary>
    public SparseRows? Transitions { get; }

    /// <summary>Size of the operator.</summary>
    public int Size => Symmetric.Rows;

    /// <summary>The full operator (no landmarks).</summary>
    public static LandmarkOperator Full(SparseRows kernel)
    {
        var s = new RowMatrix(kernel.Rows, kernel.Cols);
        for (int r = 0; r < kernel.Rows; r++)
            for (int p = kernel.RowStart[r]; p < kernel.RowStart[r + 1]; p++) s[r, kernel.ColIndex[p]] = kernel.Values[p];
        return new LandmarkOperator(s, null);
    }

    /// <summary>Landmark operator for the given cluster labels (0..m-1, every label used).</summary>
    public static LandmarkOperator FromClusters(SparseRows kernel, int[] labels)
    {
        int n = kernel.Rows, m = labels.Max() + 1;
        var trip = new List<(int, int, double)>(kernel.Values.Length);
        for (int r = 0; r < n; r++)
            for (int p = kernel.RowStart[r]; p < kernel.RowStart[r + 1]; p++) trip.Add((labels[r], kernel.ColIndex[p], kernel.Values[p]));
        var b = SparseRows.FromTriplets(m, n, trip);
        var bt = b.Transpose();                // n x m; row k lists the landmarks touching point k
        var dc = bt.RowSums();
        var s = new RowMatrix(m, m);
        for (int k = 0; k < n; k++)
        {
            int p0 = bt.RowStart[k], p1 = bt.RowStart[k + 1];
            if (dc[k] <= 0) continue;
            for (int p = p0; p < p1; p++)
            {
                double va = bt.Values[p] / dc[k];
                int a = bt.ColIndex[p];
                for (int q = p0; q < p1; q++) s[a, bt.ColIndex[q]] += va * bt.Values[q];
            }
        }
        var tv = new double[bt.Values.Length];
        for (int k = 0; k < n; k++)
            for (int p = bt.RowStart[k]; p < bt.RowStart[k + 1]; p++) tv[p] = bt.Values[p] / dc[k];
        return new LandmarkOperator(s, new SparseRows(n, m, bt.RowStart, bt.ColIndex, tv));
    }

    /// <summary>
    /// Landmark clusters: k-means on diffusion-map coordinates (top eigenvectors of the symmetric conjugate of
    /// the kernel, scaled by their eigenvalues), the spectral clustering PHATE uses to place landmarks.
    /// </summary>
    public static int[] SpectralClusters(SparseRows kernel, int landmarks, int components, int seed)
    {
        int n = kernel.Rows;
        int r = Math.Min(components, n - 2);
        var vectors = RandomisedEigen(kernel, r, seed, out var values, out var dHalf);
        var features = new RowMatrix(n, r);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < r; c++) features[i, c] = vectors[i * r + c] * values[c] / dHalf[i];
        return KMeans.Cluster(features, landmarks, seed);
    }

    // Top-|lambda| eigenpairs of A = D^-1/2 K D^-1/2 by a randomised range finder with power iterations.
    private static double[] RandomisedEigen(SparseRows kernel, int r, int seed, out double[] values, out double[] dHalf)
    {
        int n = kernel.Rows, w = Math.Min(n, r + 10);
        var d = kernel.RowSums();
        var dh = d.Select(Math.Sqrt).ToArray();
        dHalf = dh;
        var av = new double[kernel.Values.Length];
        for (int i = 0; i < n; i++)
            for (int p = kernel.RowStart[i]; p < kernel.RowStart[i + 1]; p++) av[p] = kernel.Values[p] / (dh[i] * dh[kernel.ColIndex[p]]);
        var a = new SparseRows(n, n, kernel.RowStart, kernel.ColIndex, av);
        var rng = new Random(seed);
        var y = new double[n * w];
        for (int i = 0; i < y.Length; i++) y[i] = Gaussian(rng);
        for (int it = 0; it < 4; it++) y = a.Multiply(Orthonormalise(y, n, w), w);
        var q = Orthonormalise(y, n, w);
        var aq = a.Multiply(q, w);
        var small = new RowMatrix(w, w);
        for (int i = 0; i < n; i++)
            for (int c1 = 0; c1 < w; c1++)
            {
                double qi = q[i * w + c1];
                for (int c2 = 0; c2 < w; c2++) small[c1, c2] += qi * aq[i * w + c2];
            }
        var eig = SymmetricEigen.Decompose(small);
        var order = Enumerable.Range(0, w).OrderByDescending(c => Math.Abs(eig.Values[c])).ThenBy(c => c).Take(r).ToArray();
        values = order.Select(c => eig.Values[c]).ToArray();
        var u = new double[n * r];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < r; c++)
            {
                double s = 0;
                for (int t = 0; t < w; t++) s += q[i * w + t] * eig.Vectors[t, order[c]];
                u[i * r + c] = s;
            }
        return u;
    }

    // CholeskyQR2: Q = Y R^-1 with R from the Cholesky factor of Y^T Y, applied twice for orthogonality. The Gram
    // matrix is one blocked product, far cheaper than Householder QR on a 13k x 110 panel.
    private static double[] Orthonormalise(double[] y, int n, int w)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            var yt = new double[w * n];
            for (int i = 0; i < n; i++)
                for (int c = 0; c < w; c++) yt[c * n + i] = y[i * w + c];
            var gram = GramKernel.MultiplyTransposed(yt, w, yt, w, n);
            double trace = 0;
            for (int c = 0; c < w; c++) trace += gram[c * w + c];
            for (int c = 0; c < w; c++) gram[c * w + c] += 1e-13 * trace; // keeps rank-deficient panels factorable
            var chol = Matrix<double>.Build.DenseOfRowMajor(w, w, gram).Cholesky().Factor; // lower L, G = L L^T
            var inv = chol.Inverse();                                                       // Q = Y L^-T
            var o = new double[n * w];
            Parallel.For(0, n, i =>
            {
                for (int c = 0; c < w; c++)
                {
                    double s = 0;
                    for (int k = 0; k <= c; k++) s += y[i * w + k] * inv[c, k];
                    o[i * w + c] = s;
                }
            });
            y = o;
        }
        return y;
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
