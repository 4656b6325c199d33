using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;

namespace EquiGrid.Analysis.Tests.Phate;

/// <summary>PHATE's own example data (phate.tree.gen_dla), rebuilt from numpy's legacy random stream.</summary>
public class PhateDlaTreeTests
{
    /// <summary>phate.tree.gen_dla() with its defaults: 20 branches of 100 points in 100-D, seed 37, noise sigma 4.</summary>
    internal static RowMatrix GenDla(int nDim = 100, int nBranch = 20, int branchLength = 100, double randMultiplier = 2, uint seed = 37, double sigma = 4)
    {
        var rng = new NumpyLegacyRandom(seed);
        var m = new RowMatrix(nBranch * branchLength, nDim);
        // np.cumsum(-1 + rand_multiplier * np.random.rand(branch_length, n_dim), 0), then + M[ind, :] for the new branches.
        void Branch(int first, int? from)
        {
            var cum = new double[nDim];
            for (int r = 0; r < branchLength; r++)
                for (int c = 0; c < nDim; c++)
                {
                    cum[c] += -1 + randMultiplier * rng.NextDouble();
                    m[first + r, c] = from is { } f ? cum[c] + m[f, c] : cum[c];
                }
        }
        Branch(0, null);
        for (int i = 0; i < nBranch - 1; i++)
        {
            int ind = (int)rng.NextInt(branchLength);
            Branch((i + 1) * branchLength, ind);
        }
        for (int k = 0; k < m.Data.Length; k++) m.Data[k] += 0 + sigma * rng.NextGaussian();
        return m;
    }

    [Fact]
    public void Numpy_legacy_stream_matches_numpys_well_known_first_values()
    {
        Assert.Equal(0.5488135039273248, new NumpyLegacyRandom(0).NextDouble());   // np.random.seed(0); np.random.rand()
        Assert.Equal(1.764052345967664, new NumpyLegacyRandom(0).NextGaussian(), 15); // np.random.seed(0); np.random.randn()
        Assert.Equal(44, new NumpyLegacyRandom(0).NextInt(100));                     // np.random.seed(0); np.random.randint(100)
    }

    [Fact]
    public void Kernel_includes_every_pair_above_the_threshold_on_phates_own_tree()
    {
        // 100-D with sigma-4 noise: distances concentrate, so far more than knn x 3 points lie inside the kernel's
        // radius; graphtools widens its search until it has them all, and so must we.
        var x = GenDla(nBranch: 5);
        var options = new PhateOptions();
        var k = AlphaDecayKernel.Build(x, options);
        int n = x.Rows;
        var d = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < x.Cols; c++) { double t = x[i, c] - x[j, c]; s += t * t; }
                d[i, j] = Math.Sqrt(s);
            }
        var expected = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            var eps = Enumerable.Range(0, n).Where(j => j != i).Select(j => d[i, j]).Order().ElementAt(options.Knn - 1);
            for (int j = 0; j < n; j++)
            {
                double v = i == j ? 1 : Math.Exp(-Math.Pow(d[i, j] / eps, options.Decay));
                if (v < options.KernelThreshold) continue;
                expected[i, j] += 0.5 * v;
                expected[j, i] += 0.5 * v;
            }
        }
        var actual = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int p = k.RowStart[r]; p < k.RowStart[r + 1]; p++) actual[r, k.ColIndex[p]] += k.Values[p];
        int rowsBeyondSearch = 0;
        for (int i = 0; i < n; i++)
        {
            int nonzero = 0;
            for (int j = 0; j < n; j++)
            {
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) < 1e-12, $"K[{i},{j}] = {actual[i, j]}, expected {expected[i, j]}");
                if (expected[i, j] > 0 && i != j) nonzero++;
            }
            if (nonzero > options.Knn * options.SearchMultiplier) rowsBeyondSearch++;
        }
        Assert.True(rowsBeyondSearch > 0, "the fixture should need the widened search");
    }

    [Fact]
    public void Automatic_t_on_phates_own_tree_equals_the_dense_reference()
    {
        var x = GenDla(nBranch: 5); // 500 points of phate.tree.gen_dla(n_branch=5), hubs up to ~10x the median degree
        var res = PhateEmbedder.Embed(x, new PhateOptions());
        Assert.Equal(DiffusionTimeTests.ReferenceT(x, new PhateOptions()), res.T);
    }
}
