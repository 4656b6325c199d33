using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Synthetic;
using MathNet.Numerics.LinearAlgebra;

namespace EquiGrid.Analysis.Tests.Phate;

/// <summary>
/// PHATE 1.0.11's automatic t. The python package cannot be installed on the build machines (no registry for it),
/// so the expected values come from (1) the examples in PHATE's own docstrings (phate/vne.py: the knee of
/// exp(-x/10) on x = 0..19 is 8; the entropy knee of eye(10) with X[0,0] = 5, X[3,2] = 4 is 23) and (2) an
/// independent, deliberately plain reference written here: the dense row-stochastic operator built with MathNet,
/// MathNet's dense SVD for its singular values, the entropy loop of vne.py, and the knee from one MathNet
/// least-squares line fit per break point over exactly the point sets vne.py uses.
/// </summary>
public class DiffusionTimeTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    [InlineData(60)]
    public void Knee_of_two_line_curve_is_found_at_the_bend(int bend)
    {
        var y = Enumerable.Range(0, 100).Select(i => i < bend ? 10.0 - 0.3 * i : 10.0 - 0.3 * bend - 0.01 * (i - bend)).ToArray();
        Assert.InRange(DiffusionTime.Knee(y), bend - 1, bend + 1);
    }

    [Fact]
    public void Entropy_decreases_with_t_and_starts_at_log_of_uniform_spectrum()
    {
        var eig = new[] { 1.0, 0.9, 0.5, 0.5, 0.2, 0.1 };
        var h = DiffusionTime.VonNeumannEntropy(eig, 30);
        for (int t = 1; t < h.Length; t++) Assert.True(h[t] <= h[t - 1] + 1e-12);
        var flat = DiffusionTime.VonNeumannEntropy(new[] { 1.0, 1.0, 1.0, 1.0 }, 5);
        Assert.All(flat, v => Assert.Equal(Math.Log(4), v, 6));
    }

    [Fact]
    public void Knee_matches_phate_docstring_example_on_exponential_decay()
    {
        // phate.vne.find_knee_point(np.exp(-np.arange(20) / 10), np.arange(20)) == 8
        var y = Enumerable.Range(0, 20).Select(i => Math.Exp(-i / 10.0)).ToArray();
        Assert.Equal(8, DiffusionTime.Knee(y));
        Assert.Equal(ReferenceKnee(y), DiffusionTime.Knee(y));
    }

    [Fact]
    public void Entropy_knee_matches_phate_docstring_example_on_a_small_matrix()
    {
        // X = np.eye(10); X[0,0] = 5; X[3,2] = 4; find_knee_point(compute_von_neumann_entropy(X)) == 23
        var x = Matrix<double>.Build.DenseIdentity(10);
        x[0, 0] = 5;
        x[3, 2] = 4;
        var s = x.Svd(computeVectors: false).S.ToArray();
        var h = DiffusionTime.VonNeumannEntropy(s, 100);
        Assert.Equal(ReferenceEntropy(s, 100), h);
        Assert.Equal(23, DiffusionTime.Choose(h));
    }

    [Fact]
    public void Knee_hand_checked_on_a_four_point_curve()
    {
        // y = 0, 1, 2, 2. Break 1: left line through (0,0),(1,1) exact; right line fitted to x = 0..3 (one point
        // more than it scores, as vne.py does): y = 0.7x + 0.1, residuals on x = 1..3: 0.2, 0.5, 0.2 -> 0.9.
        // Break 2: left line through x = 0..2 exact; right line fitted to x = 1..3: y = 0.5x + 0.6667, residuals on
        // x = 2..3: 0.3333, 0.1667 -> 0.5. The minimum is at break 2.
        Assert.Equal(2, DiffusionTime.Knee(new[] { 0.0, 1, 2, 2 }));
    }

    [Fact]
    public void Singular_values_of_the_row_stochastic_operator_equal_a_dense_svd_and_differ_from_the_symmetric_spectrum()
    {
        var x = HubPoints(seed: 3);
        var kernel = AlphaDecayKernel.Build(x, new PhateOptions());
        var s = LandmarkOperator.Full(kernel).Symmetric;
        var expected = DenseRowStochastic(s).Svd(computeVectors: false).S.ToArray();
        var actual = DiffusionTime.SingularValuesOfRowNormalised(s);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-7, $"singular value {i}: {actual[i]} vs {expected[i]}");
        // Hub points make the degrees uneven, so |eigenvalues| of D^-1/2 S D^-1/2 (the old spectrum) are not these.
        var sym = SymmetricSpectrum(s);
        Assert.True(expected.Zip(sym).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    public static IEnumerable<object[]> HubInputs() => new[]
    {
        new object[] { "hub points", 1 },
        new object[] { "hub points", 2 },
        new object[] { "branching tree", 3 },
        new object[] { "wide hub points (PCA)", 4 },
    };

    [Theory]
    [MemberData(nameof(HubInputs))]
    public void Automatic_t_equals_the_dense_reference_on_inputs_with_hub_points(string kind, int seed)
    {
        var x = kind switch
        {
            "branching tree" => SyntheticData.BranchingTree(3, 100, 20, 0.3, seed).Points,
            "wide hub points (PCA)" => Widen(HubPoints(seed), 140, seed),
            _ => HubPoints(seed),
        };
        var options = new PhateOptions { Seed = 7 };
        var res = PhateEmbedder.Embed(x, options);
        Assert.Equal(ReferenceT(x, options), res.T);
    }

    // t by the plain reference (no landmarks): PCA by MathNet's SVD when wider than 100, the kernel, dense P, dense SVD.
    internal static int ReferenceT(RowMatrix x, PhateOptions options)
    {
        var reduced = x.Cols > 100 ? ReferencePca(x, 100) : x;
        var kernel = AlphaDecayKernel.Build(reduced, options);
        var p = DenseRowStochastic(LandmarkOperator.Full(kernel).Symmetric);
        return ReferenceKnee(ReferenceEntropy(p.Svd(computeVectors: false).S.ToArray(), 100));
    }

    [Fact]
    public void Automatic_t_on_the_landmark_operator_equals_the_dense_reference()
    {
        var x = HubPoints(seed: 5, rays: 12, perRay: 50);
        var options = new PhateOptions { Landmarks = 200, SpectralComponents = 40, Seed = 2 };
        var res = PhateEmbedder.Embed(x, options);
        var kernel = AlphaDecayKernel.Build(x, options);
        var labels = LandmarkOperator.SpectralClusters(kernel, options.Landmarks, options.SpectralComponents, options.Seed);
        // PHATE's landmark operator written out densely: B sums kernel rows per cluster, P_mn = rownorm(B),
        // P_nm = rownorm(B^T), operator = P_mn P_nm.
        int m = labels.Max() + 1;
        var b = Matrix<double>.Build.Dense(m, x.Rows);
        for (int r = 0; r < kernel.Rows; r++)
            for (int q = kernel.RowStart[r]; q < kernel.RowStart[r + 1]; q++) b[labels[r], kernel.ColIndex[q]] += kernel.Values[q];
        var used = Enumerable.Range(0, m).Where(i => b.Row(i).Sum() > 0).ToArray();
        b = Matrix<double>.Build.DenseOfRows(used.Select(i => b.Row(i)));
        var pmn = b.NormalizeRows(1.0);
        var pnm = b.Transpose().NormalizeRows(1.0);
        var op = pmn * pnm;
        Assert.Equal(op.RowCount, res.LandmarkCount);
        int expected = ReferenceKnee(ReferenceEntropy(op.Svd(computeVectors: false).S.ToArray(), 100));
        Assert.Equal(expected, res.T);
    }

    // Rays from a common centre with a dense cluster at the centre: the central points are among the nearest
    // neighbours of many ray points, so their kernel degrees are several times the others'.
    internal static RowMatrix HubPoints(int seed, int rays = 8, int perRay = 30, int dim = 12)
    {
        var rng = new Random(seed);
        var rows = new List<double[]>();
        for (int c = 0; c < 20; c++) rows.Add(Enumerable.Range(0, dim).Select(_ => 0.05 * SyntheticData.Gaussian(rng)).ToArray());
        for (int r = 0; r < rays; r++)
        {
            var dir = Enumerable.Range(0, dim).Select(_ => SyntheticData.Gaussian(rng)).ToArray();
            double norm = Math.Sqrt(dir.Sum(v => v * v));
            for (int p = 1; p <= perRay; p++)
            {
                double u = 0.3 * p * (1 + 0.2 * rng.NextDouble());
                rows.Add(dir.Select(v => u * v / norm + 0.05 * SyntheticData.Gaussian(rng)).ToArray());
            }
        }
        return RowMatrix.FromRows(rows);
    }

    private static RowMatrix Widen(RowMatrix x, int cols, int seed)
    {
        // A random linear map to more columns plus small noise in every column: the data stays low-dimensional,
        // so PCA to 100 keeps its structure, but the input is wider than 100.
        var rng = new Random(seed);
        var map = Enumerable.Range(0, x.Cols * cols).Select(_ => SyntheticData.Gaussian(rng)).ToArray();
        var w = new RowMatrix(x.Rows, cols);
        for (int i = 0; i < x.Rows; i++)
            for (int c = 0; c < cols; c++)
            {
                double s = 0.01 * SyntheticData.Gaussian(rng);
                for (int k = 0; k < x.Cols; k++) s += x[i, k] * map[k * cols + c];
                w[i, c] = s;
            }
        return w;
    }

    private static RowMatrix ReferencePca(RowMatrix x, int k)
    {
        var m = Matrix<double>.Build.DenseOfRowMajor(x.Rows, x.Cols, x.Data);
        var mean = m.ColumnSums() / x.Rows;
        var centred = Matrix<double>.Build.Dense(x.Rows, x.Cols, (i, j) => m[i, j] - mean[j]);
        var svd = centred.Svd(computeVectors: true);
        var scores = centred * svd.VT.Transpose().SubMatrix(0, x.Cols, 0, k);
        var r = new RowMatrix(x.Rows, k);
        for (int i = 0; i < x.Rows; i++) for (int j = 0; j < k; j++) r[i, j] = scores[i, j];
        return r;
    }

    private static Matrix<double> DenseRowStochastic(RowMatrix s)
    {
        var m = Matrix<double>.Build.DenseOfRowMajor(s.Rows, s.Cols, s.Data);
        return m.NormalizeRows(1.0);
    }

    private static double[] SymmetricSpectrum(RowMatrix s)
    {
        var m = Matrix<double>.Build.DenseOfRowMajor(s.Rows, s.Cols, s.Data);
        var d = m.RowSums().Map(Math.Sqrt);
        var a = Matrix<double>.Build.Dense(s.Rows, s.Cols, (i, j) => m[i, j] / (d[i] * d[j]));
        return a.Evd(Symmetricity.Symmetric).EigenValues.Select(c => Math.Abs(c.Real)).OrderByDescending(v => v).ToArray();
    }

    // vne.compute_von_neumann_entropy, line by line.
    private static double[] ReferenceEntropy(double[] singular, int tMax)
    {
        var h = new double[tMax];
        var st = (double[])singular.Clone();
        for (int t = 0; t < tMax; t++)
        {
            double sum = st.Sum(), e = 0;
            foreach (var v in st) { double p = v / sum + 2.220446049250313e-16; e -= p * Math.Log(p); }
            h[t] = e;
            for (int i = 0; i < st.Length; i++) st[i] *= singular[i];
        }
        return h;
    }

    // vne.find_knee_point with x = 0..n-1: for break b the forward line is fitted to x[0..b], the backward line to
    // x[b-1..n-1] (its cumulative sums run one point further), residuals summed over x[0..b] and x[b..n-1].
    private static int ReferenceKnee(double[] y)
    {
        int n = y.Length, best = -1;
        double bestErr = double.PositiveInfinity;
        for (int b = 1; b <= n - 2; b++)
        {
            var xs = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
            var (c1, m1) = MathNet.Numerics.Fit.Line(xs[..(b + 1)], y[..(b + 1)]);
            var (c2, m2) = MathNet.Numerics.Fit.Line(xs[(b - 1)..], y[(b - 1)..]);
            double err = 0;
            for (int i = 0; i <= b; i++) err += Math.Abs(m1 * i + c1 - y[i]);
            for (int i = b; i < n; i++) err += Math.Abs(m2 * i + c2 - y[i]);
            if (err < bestErr) { bestErr = err; best = b; }
        }
        return best;
    }
}
