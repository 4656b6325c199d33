using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Quality;
using EquiGrid.Analysis.Synthetic;

namespace EquiGrid.Analysis.Tests.Numerics;

public class NumericsTests
{
    [Fact]
    public void Knn_matches_naive_search()
    {
        var rng = new Random(3);
        var x = new RowMatrix(157, 13);
        for (int i = 0; i < x.Data.Length; i++) x.Data[i] = rng.NextDouble();
        var nn = NearestNeighbors.Search(x, 6);
        for (int i = 0; i < x.Rows; i++)
        {
            var naive = Enumerable.Range(0, x.Rows).Where(j => j != i)
                .Select(j => (j, d: Math.Sqrt(Enumerable.Range(0, x.Cols).Sum(c => (x[i, c] - x[j, c]) * (x[i, c] - x[j, c])))))
                .OrderBy(p => p.d).ThenBy(p => p.j).Take(6).ToArray();
            for (int c = 0; c < 6; c++)
            {
                Assert.Equal(naive[c].j, nn.Indices[i * 6 + c]);
                Assert.Equal(naive[c].d, nn.Distances[i * 6 + c], 9);
            }
        }
    }

    [Fact]
    public void Trustworthiness_is_one_for_identity_and_near_half_for_random()
    {
        var (x, _) = SyntheticData.GaussianClusters(3, 50, 2, 5, seed: 1);
        Assert.Equal(1.0, EmbeddingQuality.Trustworthiness(x, x, 5), 9);
        var rng = new Random(1);
        var r = new RowMatrix(x.Rows, 2);
        for (int i = 0; i < r.Data.Length; i++) r.Data[i] = rng.NextDouble();
        Assert.InRange(EmbeddingQuality.Trustworthiness(x, r, 5), 0.35, 0.65);
    }

    [Fact]
    public void Spearman_and_r_squared_behave()
    {
        var x = Enumerable.Range(0, 50).Select(i => (double)i).ToArray();
        Assert.Equal(1.0, Statistics.Spearman(x, x.Select(v => Math.Exp(v / 10)).ToArray()), 12);
        Assert.Equal(-1.0, Statistics.Spearman(x, x.Select(v => -v * v).ToArray()), 12);
        Assert.Equal(1.0, Statistics.RSquared(x, x), 12);
        Assert.Equal(0.0, Statistics.RSquared(x, x.Select(_ => 24.5).ToArray()), 12);
        Assert.Equal(new[] { 1.5, 1.5, 3 }, Statistics.Ranks(new[] { 2.0, 2.0, 5.0 }));
    }

    [Fact]
    public void A_constant_side_has_no_correlation_and_no_r_squared()
    {
        var x = new[] { 1.0, 2.0, 3.0, 4.0 };
        var flat = new[] { 2.0, 2.0, 2.0, 2.0 };
        Assert.True(double.IsNaN(Statistics.Pearson(x, flat)));
        Assert.True(double.IsNaN(Statistics.Spearman(flat, x)));
        Assert.True(double.IsNaN(Statistics.RSquared(flat, x)));
        Assert.True(double.IsNaN(Statistics.RSquared(flat, flat)));
        Assert.Equal(-1.0, Statistics.Pearson(x, x.Select(v => -3 * v).ToArray()), 12);
        Assert.Throws<ArgumentException>(() => Statistics.Pearson(x, flat[..3]));
    }

    [Fact]
    public void Kmeans_recovers_well_separated_clusters()
    {
        var (x, labels) = SyntheticData.GaussianClusters(4, 40, 5, 30, seed: 2);
        var got = KMeans.Cluster(x, 4, seed: 1);
        for (int c = 0; c < 4; c++)
            Assert.Single(Enumerable.Range(0, x.Rows).Where(i => labels[i] == c).Select(i => got[i]).Distinct());
    }
}

public class SymmetricEigenvaluesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(120)]
    public void Eigenvalues_match_full_decomposition(int n)
    {
        var rng = new Random(n);
        var a = new RowMatrix(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) a[i, j] = a[j, i] = rng.NextDouble() - 0.5;
        var fast = SymmetricEigenvalues.Compute(a);
        var full = SymmetricEigen.Decompose(a).Values;
        for (int i = 0; i < n; i++) Assert.Equal(full[i], fast[i], 10);
    }

    [Fact]
    public void Repeated_and_zero_eigenvalues_are_handled()
    {
        var a = new RowMatrix(4, 4, new double[] { 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 });
        Assert.Equal(new[] { 2.0, 2, 0, -1 }, SymmetricEigenvalues.Compute(a));
    }
}
