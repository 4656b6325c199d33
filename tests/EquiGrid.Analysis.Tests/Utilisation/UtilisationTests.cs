using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;
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
        // PHATE lays the encoding block out as a curve (a horseshoe), so one straight direction captures most but not
        // all of the ordering; noise blocks stay below 0.25 (Phate_axis_spearman_finds_a_monotone_direction_at_any_rotation).
        Assert.True(best.StructurePhateSpearman > 0.7, $"PHATE spearman {best.StructurePhateSpearman}");
        Assert.All(s.Blocks, b => { Assert.Null(b.Ablation); Assert.Null(b.Attribution); });
        Assert.StartsWith("not available", s.AblationStatus);
        Assert.Equal(new[] { "joint", "l0", "l1", "l2" }, res.Projections.Keys.OrderBy(k => k));
    }

    [Fact]
    public void Without_phate_or_nsps_the_scores_are_null_not_invented()
    {
        var set = SyntheticEmbeddings.Create(100, LSet.Of(0, 1), 2, encoding: new[] { 0 }, seed: 5) with { Nsps = null };
        var res = UtilisationAnalyzer.Analyze("t", set, null, new AnalyzeOptions { RunPhate = false });
        Assert.Empty(res.Projections);
        Assert.Null(res.Summary.StructureTarget);
        Assert.All(res.Summary.Blocks, b =>
        {
            Assert.Null(b.StructureKnnR2);
            Assert.Null(b.StructurePhateSpearman);
            Assert.Null(b.StructureShare);
            Assert.NotNull(b.VarianceShare);
        });
    }

    [Fact]
    public void Ablation_file_values_are_reported_per_l_and_layer()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "ablation.json");
        File.WriteAllText(path, """
            {"metric": "test_mse_normalized", "baseline": 0.5,
             "ablation": [{"layer": "final", "l": 1, "error": 0.75}, {"layer": "block_2", "l": 1, "delta": 0.1}, {"layer": "final", "l": 0, "delta": 3.0}],
             "attribution": [{"layer": "final", "l": 0, "value": 0.9}]}
            """);
        var a = AblationData.TryLoad(path)!;
        Assert.Equal(0.25, a.Ablation[1][0].Value, 12);
        Assert.Equal("block_2", a.Ablation[1][1].Layer);
        Assert.Equal(0.9, a.Attribution[0].Single().Value);
        Assert.Null(AblationData.TryLoad(Path.Combine(dir.FullName, "missing.json")));
        File.WriteAllText(path, """{"ablation": [{"layer": "final", "delta": 1}]}""");
        var e = Assert.Throws<InvalidDataException>(() => AblationData.TryLoad(path)).Message;
        Assert.Contains("not a AblationFile", e);
        Assert.Contains("'l'", e);
        File.WriteAllText(path, """{"ablation": [{"layer": "final", "l": 1}]}""");
        Assert.Contains("'ablation'[0] has no 'delta'", Assert.Throws<InvalidDataException>(() => AblationData.TryLoad(path)).Message);
    }

    private static EmbeddingSet Labelled(int n, int seed, params int[] encoding)
    {
        var set = SyntheticEmbeddings.Create(n, LSet.Of(0, 1, 2), 4, encoding: encoding, seed: seed);
        // 80/10/10 like the trainer's split, interleaved so that every split covers the whole NSPS range.
        return set with { Split = Enumerable.Range(0, n).Select(i => (i % 10) switch { 8 => "validation", 9 => "test", _ => "train" }).ToArray() };
    }

    [Fact]
    public void Analyzer_uses_the_test_split_by_default_and_any_split_on_request()
    {
        var set = Labelled(1000, 3, 2);
        var test = UtilisationAnalyzer.Analyze("t", set, null, new AnalyzeOptions { RunPhate = false });
        Assert.Equal("test", test.Summary.Split);
        Assert.Equal(100, test.Summary.Molecules);
        Assert.Equal(100, test.Molecules.Count);
        Assert.All(test.Molecules.Split!, v => Assert.Equal("test", v));
        var val = UtilisationAnalyzer.Analyze("t", set, null, new AnalyzeOptions { RunPhate = false, Split = "val" });
        Assert.Equal(("validation", 100), (val.Summary.Split, val.Summary.Molecules));
        var all = UtilisationAnalyzer.Analyze("t", set, null, new AnalyzeOptions { RunPhate = false, Split = "all" });
        Assert.Equal(1000, all.Summary.Molecules);
        Assert.NotEqual(all.Summary.Blocks[2].StructureKnnR2, test.Summary.Blocks[2].StructureKnnR2);
        // An export without split labels is analysed whole by default, and refuses an explicit split.
        var unlabelled = set with { Split = null };
        Assert.Equal("all", UtilisationAnalyzer.Analyze("t", unlabelled, null, new AnalyzeOptions { RunPhate = false }).Summary.Split);
        var e = Assert.Throws<InvalidDataException>(() => UtilisationAnalyzer.Analyze("t", unlabelled, null, new AnalyzeOptions { RunPhate = false, Split = "test" }));
        Assert.Contains("--split all", e.Message);
        Assert.Throws<ArgumentException>(() => UtilisationAnalyzer.Analyze("t", set, null, new AnalyzeOptions { RunPhate = false, Split = "holdout" }));
    }

    [Fact]
    public void Molecules_without_nsps_are_left_out_of_the_structure_scores_and_counted()
    {
        var set = Labelled(600, 4, 0);
        var nsps = set.Nsps!.ToArray();
        var missing = new[] { 9, 19, 29 }; // three test molecules without a SMILES
        foreach (var i in missing) nsps[i] = double.NaN;
        var res = UtilisationAnalyzer.Analyze("t", set.WithNsps(nsps), null, new AnalyzeOptions { RunPhate = false });
        Assert.Equal(3, res.Summary.MoleculesWithoutNsps);
        Assert.Equal(60, res.Summary.Molecules);
        // The score over the other 57 equals the score of the set without those molecules at all.
        var kept = Enumerable.Range(0, 600).Where(i => !missing.Contains(i)).ToArray();
        var reference = UtilisationAnalyzer.Analyze("t", set.SelectRows(kept), null, new AnalyzeOptions { RunPhate = false });
        Assert.Equal(reference.Summary.Blocks[0].StructureKnnR2, res.Summary.Blocks[0].StructureKnnR2);
        Assert.True(res.Summary.Blocks[0].StructureKnnR2 > 0.5);
    }

    [Fact]
    public void Nsps_from_smiles_leaves_molecules_without_a_smiles_as_nan_instead_of_failing()
    {
        var set = Labelled(20, 1, 0) with { Smiles = Enumerable.Range(0, 20).Select(i => i == 5 ? "" : i == 6 ? "C1CC(" : "CCO").ToArray() };
        var log = new List<string>();
        var v = NspsFromSmiles.Compute(set, "x", log.Add);
        Assert.True(double.IsNaN(v[5]) && double.IsNaN(v[6]));
        Assert.Equal(18, v.Count(double.IsFinite));
        Assert.Contains(log, l => l.Contains("1 of 20 molecules have no SMILES"));
        Assert.Contains(log, l => l.Contains("could not be computed for 1 of 20") && l.Contains("C1CC("));
    }

    [Fact]
    public void Ablation_and_attribution_are_per_block_without_the_structurally_zero_final_entries()
    {
        var dir = Directory.CreateTempSubdirectory();
        var path = Path.Combine(dir.FullName, "ablation.json");
        File.WriteAllText(path, """
            {"metric": "test_mse_normalized", "baseline": 0.5,
             "ablation": [{"layer": "block_0", "l": 1, "delta": 0.02}, {"layer": "block_1", "l": 1, "delta": -0.05}, {"layer": "final", "l": 1, "delta": 0.0},
                          {"layer": "block_0", "l": 0, "delta": 0.3}, {"layer": "final", "l": 0, "delta": 2.0}],
             "attribution": [{"layer": "block_1", "l": 1, "value": 0.01}, {"layer": "final", "l": 1, "value": 0.0}, {"layer": "final", "l": 0, "value": 0.9}]}
            """);
        var set = SyntheticEmbeddings.Create(200, LSet.Of(0, 1), 2, encoding: new[] { 0 }, seed: 5);
        var s = UtilisationAnalyzer.Analyze("t", set, AblationData.TryLoad(path), new AnalyzeOptions { RunPhate = false }).Summary;
        var l1 = s.Blocks.Single(b => b.L == 1);
        Assert.Equal(new[] { "block_0", "block_1" }, l1.Ablation!.Select(v => v.Layer));
        Assert.Equal(new[] { "block_1" }, l1.Attribution!.Select(v => v.Layer));
        Assert.Equal((-0.05, "block_1"), (l1.AblationMaxDelta!.Value, l1.AblationMaxLayer));
        var l0 = s.Blocks.Single(b => b.L == 0);
        Assert.Equal((2.0, "final"), (l0.AblationMaxDelta!.Value, l0.AblationMaxLayer)); // the final block counts for l = 0
        var table = EquiGrid.Analysis.Report.UtilisationDetail.Ablation(s)!;
        Assert.Equal(new[] { "l", "Δ block 0", "Δ block 1", "Δ final", "largest |Δ|", "attribution block 0", "attribution block 1", "attribution final" }, table.Header);
        Assert.Equal("0 (structural)", table.Rows.Single(r => r[0] == "1")[3]);
    }

    [Fact]
    public void Before_final_embedding_and_epoch_snapshots_get_their_own_per_l_scores()
    {
        var final = Labelled(500, 6, 0);             // after the final block: only l = 0 encodes NSPS
        var before = Labelled(500, 6, 0, 2);         // before it: l = 2 does as well
        var early = Labelled(500, 6, 2);             // an early epoch: only l = 2 (same molecules and NSPS: same seed)
        var snapshots = new[] { new EmbeddingSnapshot(3, 10, 0.3, early, null), new EmbeddingSnapshot(10, 10, 1.0, final, before) };
        var res = UtilisationAnalyzer.Analyze("t", final, null, new AnalyzeOptions { Split = "all", Phate = PhateOptions.ReferenceStudy with { Landmarks = 100, SpectralComponents = 20 } }, null, before, snapshots);
        var s = res.Summary;
        Assert.NotNull(s.BeforeFinal);
        Assert.True(s.BeforeFinal!.Blocks.Single(b => b.L == 2).StructureKnnR2 > 0.5);
        Assert.True(s.Blocks.Single(b => b.L == 2).StructureKnnR2 < 0.3);
        Assert.Contains("before_final_l2", res.Projections.Keys);
        Assert.Contains("knn 10", s.PhateSettings);
        Assert.Equal(new[] { (3, "final"), (10, "final"), (10, "before_final") }, s.Snapshots.Select(x => (x.Epoch, x.Layer)));
        Assert.True(s.Snapshots[0].Blocks.Single(b => b.L == 2).StructureKnnR2 > 0.5);
        Assert.Equal(0.3, s.Snapshots[0].Fraction);
        // The last snapshot is the final model: its scores are the summary's own.
        Assert.Equal(s.Blocks.Select(b => b.StructureKnnR2), s.Snapshots[1].Blocks.Select(b => b.StructureKnnR2));
        Assert.Equal(s.BeforeFinal.Blocks.Select(b => b.StructureKnnR2), s.Snapshots[2].Blocks.Select(b => b.StructureKnnR2));
    }
}
