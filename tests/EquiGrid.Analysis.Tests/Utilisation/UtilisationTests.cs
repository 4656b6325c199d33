using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Tests.Utilisation;

public class UtilisationTests
{
    [Fact]
    public void Structure_score_is_near_one_for_an_encoding_block_and_near_zero_for_noise()
    {
        var set = SyntheticEmbeddings.Create(600, LSet.Of(0, 1, 2), 4, encoding: new[] { 1 }, seed: 3);
        var blocks = IrrepBlock.Split(set.Irreps);
        double enc = StructureScore.KnnRSquared(blocks[1].Extract(set.Matrix), set.Nsps!);
        double noise0 = StructureScore.KnnRSquared(blocks[0].Extract(set.Matrix), set.Nsps!);
        double noise2 = StructureScore.KnnRSquared(blocks[2].Extract(set.Matrix), set.Nsps!);
        Assert.True(enc > 0.9, $"encoding block R2 {enc}");
        Assert.InRange(noise0, -0.3, 0.1);
        Assert.InRange(noise2, -0.3, 0.1);
    }

    [Fact]
    public void Phate_axis_spearman_finds_a_monotone_direction_at_any_rotation()
    {
        var rng = new Random(1);
        var t = Enumerable.Range(0, 300).Select(_ => rng.NextDouble()).ToArray();
        var xy = new RowMatrix(300, 2);
        double th = 0.7;
        for (int i = 0; i < 300; i++)
        {
            double u = t[i], v = 0.05 * rng.NextDouble();
            xy[i, 0] = Math.Cos(th) * u - Math.Sin(th) * v;
            xy[i, 1] = Math.Sin(th) * u + Math.Cos(th) * v;
        }
        Assert.True(StructureScore.BestAxisSpearman(xy, t).Rho > 0.98);
        var noise = Enumerable.Range(0, 300).Select(_ => rng.NextDouble()).ToArray();
        Assert.True(StructureScore.BestAxisSpearman(xy, noise).Rho < 0.25);
    }

    [Fact]
    public void Variance_and_norm_shares_sum_to_one_and_follow_scale()
    {
        var set = SyntheticEmbeddings.Create(300, LSet.Of(0, 2), 3, encoding: Array.Empty<int>(), seed: 1);
        var blocks = IrrepBlock.Split(set.Irreps);
        foreach (var c in blocks[1].Columns) for (int i = 0; i < set.Count; i++) set.Matrix[i, c] *= 3;
        var s = BlockStatistics.Compute(set.Matrix, blocks);
        Assert.Equal(1.0, s.Sum(b => b.VarianceShare), 9);
        Assert.Equal(1.0, s.Sum(b => b.NormShare), 9);
        // Equal per-column variance before scaling: block 1 has 15 columns x 9 vs block 0's 3 columns x 1.
        Assert.Equal(135.0 / 138.0, s[1].VarianceShare, 1);
    }

    [Fact]
    public void Participation_ratio_and_effective_rank_count_used_directions()
    {
        Assert.Equal(4.0, BlockStatistics.ParticipationRatio(new[] { 2.0, 2, 2, 2, 0 }), 12);
        Assert.Equal(4.0, BlockStatistics.EffectiveRank(new[] { 2.0, 2, 2, 2, 0 }), 12);
        Assert.Equal(1.0, BlockStatistics.ParticipationRatio(new[] { 5.0, 0, 0 }), 12);
        var rng = new Random(2);
        var x = new RowMatrix(4000, 6);
        for (int i = 0; i < x.Rows; i++)
        {
            double a = SyntheticData.Gaussian(rng);
            for (int c = 0; c < 6; c++) x[i, c] = c < 3 ? SyntheticData.Gaussian(rng) : a; // 3 free directions + one shared
        }
        var eig = BlockStatistics.CovarianceEigenvalues(x);
        Assert.InRange(BlockStatistics.ParticipationRatio(eig), 2.7, 3.3); // eigenvalues ~ (3, 1, 1, 1, 0, 0): 36 / 12 = 3
        Assert.Equal(3.0, eig[0], 0);
    }

    [Fact]
    public void Blocks_group_columns_by_order_with_rotation_invariants()
    {
        var irreps = Irreps.Parse("2x0e+1x1o+2x0o");
        var blocks = IrrepBlock.Split(irreps);
        Assert.Equal(new[] { 0, 1 }, blocks.Select(b => b.L));
        Assert.Equal(new[] { 0, 1, 5, 6 }, blocks[0].Columns);
        Assert.Equal(new[] { 2, 3, 4 }, blocks[1].Columns);
        var x = new RowMatrix(1, 7, new double[] { -1, 2, 3, 4, 0, 5, 6 });
        Assert.Equal(new[] { 5.0 }, blocks[1].Invariants(x).Data);
        Assert.Equal(new[] { -1.0, 2, 5, 6 }, blocks[0].Invariants(x).Data);
    }

    [Fact]
    public void Analyzer_ranks_the_encoding_block_first_and_marks_ablation_unavailable()
    {
        var set = SyntheticEmbeddings.Create(400, LSet.Of(0, 1, 2), 4, encoding: new[] { 2 }, seed: 5);
        var res = UtilisationAnalyzer.Analyze("t1", set, ablation: null, new AnalyzeOptions { Phate = new EquiGrid.Analysis.Phate.PhateOptions { Seed = 1 } });
        var s = res.Summary;
        Assert.Equal(3, s.Blocks.Count);
        var best = s.Blocks.OrderByDescending(b => b.StructureKnnR2).First();
        Assert.Equal(2, best.L);
        Assert.True(best.StructureShare > 0.8);
        Assert.True(best.StructurePhateSpearman > 0.8, $"PHATE spearman {best.StructurePhateSpearman}");
        Assert.All(s.Blocks, b => { Assert.Null(b.Ablation); Assert.Null(b.Attribution); });
        Assert.StartsWith("not available", s.AblationStatus);
        Assert.Equal(new[] { "joint", "l0", "l1", "l2" }, res.Projections.Keys.OrderBy(k => k));
    }

    [Fact]
    public void Ablation_file_values_are_reported_per_l_and_layer()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "ablation.json");
        File.WriteAllText(path, """
            {"metric": "test_mse_normalized", "baseline": 0.5,
             "ablation": [{"layer": "final", "l": 1, "error": 0.75}, {"layer": 2, "l": 1, "delta": 0.1}, {"layer": "final", "l": 0, "delta": 3.0}],
             "attribution": [{"layer": "final", "l": 0, "value": 0.9}]}
            """);
        var a = AblationData.TryLoad(path)!;
        Assert.Equal(0.25, a.Ablation[1][0].Value, 12);
        Assert.Equal("2", a.Ablation[1][1].Layer);
        Assert.Equal(0.9, a.Attribution[0].Single().Value);
        Assert.Null(AblationData.TryLoad(Path.Combine(dir.FullName, "missing.json")));
        File.WriteAllText(path, """{"ablation": [{"layer": "final", "delta": 1}]}""");
        Assert.Contains("has no 'l'", Assert.Throws<InvalidDataException>(() => AblationData.TryLoad(path)).Message);
    }
}
