using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Quality;
using EquiGrid.Analysis.Synthetic;

namespace EquiGrid.Analysis.Tests.Phate;

public class PhateEmbedderTests
{
    [Fact]
    public void Separated_gaussian_clusters_stay_separated_in_2d()
    {
        var (x, labels) = SyntheticData.GaussianClusters(clusters: 5, perCluster: 60, dim: 20, separation: 15, seed: 1);
        var res = PhateEmbedder.Embed(x, new PhateOptions { Seed = 3 });
        Assert.Equal(x.Rows, res.Embedding.Rows);
        Assert.True(EmbeddingQuality.NeighborPurity(res.Embedding, labels, 10) > 0.97);
        Assert.True(EmbeddingQuality.Silhouette(res.Embedding, labels) > 0.5);
        Assert.True(EmbeddingQuality.Trustworthiness(x, res.Embedding, 10) > 0.85);
    }

    [Fact]
    public void Branching_tree_branches_come_out_separated_and_trustworthy()
    {
        // Points near the junction legitimately mix (the branches touch there, even in the original space), so
        // separation is measured on the outer half of every segment: its 2-D neighbours should be its own branch.
        const int perSegment = 100;
        var (x, labels) = SyntheticData.BranchingTree(branches: 3, perSegment: perSegment, dim: 30, noise: 0.3, seed: 2);
        var res = PhateEmbedder.Embed(x, new PhateOptions { Seed = 5 });
        var nn = NearestNeighbors.Search(res.Embedding, 10);
        double same = 0, count = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            if (i % perSegment < perSegment / 2) continue;
            for (int c = 0; c < 10; c++) { count++; if (labels[nn.Indices[i * 10 + c]] == labels[i]) same++; }
        }
        double trust = EmbeddingQuality.Trustworthiness(x, res.Embedding, 10);
        Assert.True(same / count > 0.8, $"outer-half purity {same / count}");
        Assert.True(trust > 0.9, $"trustworthiness {trust}");
    }

    [Fact]
    public void Landmark_path_keeps_clusters_separated_and_maps_every_point()
    {
        var (x, labels) = SyntheticData.GaussianClusters(clusters: 6, perCluster: 200, dim: 16, separation: 15, seed: 4);
        var res = PhateEmbedder.Embed(x, new PhateOptions { Landmarks = 150, SpectralComponents = 30, Seed = 1 });
        Assert.InRange(res.LandmarkCount, 120, 150); // empty k-means clusters are dropped
        Assert.Equal(x.Rows, res.Embedding.Rows);
        Assert.All(res.Embedding.Data, v => Assert.True(double.IsFinite(v)));
        Assert.True(EmbeddingQuality.NeighborPurity(res.Embedding, labels, 10) > 0.95);
    }

    [Fact]
    public void Same_seed_gives_identical_output_and_given_t_is_used()
    {
        var (x, _) = SyntheticData.BranchingTree(2, 80, 10, 0.3, seed: 9);
        var a = PhateEmbedder.Embed(x, new PhateOptions { Seed = 11 });
        var b = PhateEmbedder.Embed(x, new PhateOptions { Seed = 11 });
        Assert.Equal(a.Embedding.Data, b.Embedding.Data);
        Assert.Equal(a.T, b.T);
        Assert.InRange(a.T, 1, 100);
        var fixedT = PhateEmbedder.Embed(x, new PhateOptions { T = 7 });
        Assert.Equal(7, fixedT.T);
    }

    [Fact]
    public void Logs_the_chosen_diffusion_time()
    {
        var (x, _) = SyntheticData.GaussianClusters(3, 30, 5, 10, seed: 1);
        var lines = new List<string>();
        var res = PhateEmbedder.Embed(x, null, lines.Add);
        Assert.Contains($"t = {res.T}", lines);
    }

    [Fact]
    public void Too_few_points_or_non_finite_values_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => PhateEmbedder.Embed(new RowMatrix(4, 3)));
        var x = SyntheticData.GaussianClusters(2, 20, 3, 5, 1).Points;
        x[3, 1] = double.NaN;
        Assert.Throws<ArgumentException>(() => PhateEmbedder.Embed(x));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhateEmbedder.Embed(x, new PhateOptions { Knn = 0 }));
    }
}
