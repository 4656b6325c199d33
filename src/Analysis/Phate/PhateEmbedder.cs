using System.Diagnostics;
using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE (Moon et al. 2019, "Visualizing structure and transitions in high-dimensional biological data"):
/// alpha-decay k-NN kernel -> diffusion operator (on landmarks for large n) -> t diffusion steps with t at the
/// von Neumann entropy knee -> log potential -> distances between potentials -> metric MDS to 2-D.
/// Deterministic for a given seed: parallel loops only ever write disjoint outputs.
/// </summary>
public static class PhateEmbedder
{
    /// <summary>Offset inside the log so zero transition probabilities give a finite potential (PHATE's 1e-7).</summary>
    public const double PotentialEpsilon = 1e-7;

    /// <summary>Embeds the rows of <paramref name="points"/> in 2-D.</summary>
    public static PhateResult Embed(RowMatrix points, PhateOptions? options = null, Action<string>? log = null)
    {
        options ??= new PhateOptions();
        options.Validate();
        if (points.Rows <= options.Knn + 1)
            throw new ArgumentException($"PHATE needs more than {options.Knn + 1} points for knn = {options.Knn}, got {points.Rows}");
        if (points.Cols == 0) throw new ArgumentException("PHATE input has no columns");
        foreach (var v in points.Data)
            if (!double.IsFinite(v)) throw new ArgumentException("PHATE input contains NaN or infinity");
        var stages = new Dictionary<string, double>();
        var sw = Stopwatch.StartNew();
        void Stage(string name) { stages[name] = sw.Elapsed.TotalSeconds; sw.Restart(); }

        // PHATE (graphtools) reduces wide inputs to their leading principal components before the k-NN search.
        if (options.Pca is { } pca && points.Cols > pca)
        {
            points = PrincipalComponents.Project(points, pca);
            Stage("pca");
        }
        var kernel = AlphaDecayKernel.Build(points, options);
        Stage("knn_kernel");
        LandmarkOperator op;
        if (points.Rows > options.Landmarks)
        {
            var labels = LandmarkOperator.SpectralClusters(kernel, options.Landmarks, options.SpectralComponents, options.Seed);
            Stage("landmarks");
            op = LandmarkOperator.FromClusters(kernel, labels);
        }
        else op = LandmarkOperator.Full(kernel);
        Stage("operator");

        int m = op.Size;
        var s = op.Symmetric;
        var dr = new double[m];
        for (int i = 0; i < m; i++) { double t = 0; foreach (var v in s.Row(i)) t += v; dr[i] = t; }
        var conj = new RowMatrix(m, m);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) conj[i, j] = s[i, j] / Math.Sqrt(dr[i] * dr[j]);
        // PHATE's entropy uses the singular values of the row-stochastic P = Dr^-1 S (not the eigenvalues of the
        // symmetric conjugate, which differ where degrees are uneven); P^t itself comes from repeated squaring below.
        double[] entropy = Array.Empty<double>();
        int tUsed;
        if (options.T is { } given) tUsed = given;
        else
        {
            entropy = DiffusionTime.VonNeumannEntropy(DiffusionTime.SingularValuesOfRowNormalised(s), options.TMax);
            Stage("singular_values");
            tUsed = DiffusionTime.Choose(entropy);
        }
        log?.Invoke($"t = {tUsed}");

        // P^t = Dr^-1/2 A^t Dr^1/2 with A the symmetric conjugate; powers of A stay symmetric, so A^a A^b = A^a (A^b)^T
        // is the row-dot product the Gram kernel computes.
        var pt = MatrixPower(conj.Data, m, tUsed);
        var potential = new double[m * m];
        Parallel.For(0, m, i =>
        {
            for (int j = 0; j < m; j++)
            {
                double p = pt[i * m + j] * Math.Sqrt(dr[j] / dr[i]);
                potential[i * m + j] = -Math.Log(Math.Max(0, p) + PotentialEpsilon);
            }
        });
        Stage("potential");

        var norms = GramKernel.RowNormsSquared<double>(potential, m, m);
        var gram = GramKernel.MultiplyTransposed(potential, m, potential, m, m);
        var dist = new RowMatrix(m, m);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                dist[i, j] = i == j ? 0 : Math.Sqrt(Math.Max(0, norms[i] + norms[j] - 2 * gram[i * m + j]));
        Stage("distances");

        var y = MetricMds.Classical(dist, options.Seed);
        y = MetricMds.Smacof(dist, y, options.MdsIterations);
        Stage("mds");

        RowMatrix embedding = y;
        if (op.Transitions is { } tr) embedding = new RowMatrix(points.Rows, 2, tr.Multiply(y.Data, 2));
        Stage("extend");
        return new PhateResult(embedding, tUsed, entropy, m, stages);
    }

    /// <summary>A^t for a symmetric row-major A by binary powering.</summary>
    internal static double[] MatrixPower(double[] a, int m, int t)
    {
        double[]? result = null;
        var power = a;
        while (true)
        {
            if ((t & 1) == 1) result = result is null ? (double[])power.Clone() : GramKernel.MultiplyTransposed(result, m, power, m, m);
            t >>= 1;
            if (t == 0) break;
            power = GramKernel.MultiplyTransposed(power, m, power, m, m);
        }
        return result!;
    }
}
