using EquiGrid.Analysis.Claims;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Report;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Grains;
using EquiGrid.Grains.Studies;

namespace EquiGrid.Analysis.Tests.Claims;

public class ClaimEvaluatorTests
{
    private static ExpandedTrial Trial(string lset, int seed) => new($"s/L{lset.Replace(',', '-')}_h8_e3_s{seed}", new TrialSpec { LSet = lset, Hidden = 8, Seed = seed });

    private static StudyDefinition Study(params ClaimCheck[] checks) => new()
    {
        Id = "s", Base = new TrialSpec { LSet = "0", Hidden = 8 }, Axes = [],
        Claims = [new StudyClaim { Id = "C", Text = "a claim", Checks = checks }],
    };

    private static ClaimSide Side(string lset, string metric = "test_mse_normalized", string? at = null) =>
        new() { Metric = metric, Rows = new Dictionary<string, string> { ["lset"] = lset }, At = at };

    private static Func<string, TrialMetrics?> Values(Dictionary<string, Dictionary<string, double>> byTrial) =>
        name => byTrial.TryGetValue(name, out var v) ? TrialMetrics.From(v, epochs: 3) : null;

    [Fact]
    public void Unpaired_samples_use_welchs_t_test_with_its_p_value()
    {
        // Side a has seeds 1-4, side b seeds 1-5: not pairable. Reference values from an independent integration of
        // the t density: t = -2.6112, df = 6.9808, one-sided p = 0.017469.
        var trials = new List<ExpandedTrial>();
        var values = new Dictionary<string, Dictionary<string, double>>();
        double[] a = [1, 2, 3, 4], b = [3, 4, 5, 6, 7];
        for (int i = 0; i < a.Length; i++) { var t = Trial("0,1", i + 1); trials.Add(t); values[t.Config.Name] = new() { ["test_mse_normalized"] = a[i] }; }
        for (int i = 0; i < b.Length; i++) { var t = Trial("0,2", i + 1); trials.Add(t); values[t.Config.Name] = new() { ["test_mse_normalized"] = b[i] }; }
        var result = ClaimEvaluator.Evaluate(Study(new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,1"), B = Side("0,2") }), trials, Values(values)).Single();
        var check = result.Checks.Single();
        Assert.StartsWith("Welch's t-test, one-sided", check.Test);
        Assert.Equal(0.017469, check.PValue!.Value, 4);
        Assert.Equal(-2.5, check.Estimate!.Value, 9);
        Assert.Equal(ClaimVerdict.Holds, result.Verdict);
        Assert.Equal(2.5, check.A.Mean!.Value, 9);
        Assert.Equal(Math.Sqrt(5.0 / 3), check.A.StdDev!.Value, 9);
        // The same numbers at alpha 0.01 are not enough either way.
        var strict = ClaimEvaluator.Evaluate(Study(new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,1"), B = Side("0,2"), Alpha = 0.01 }), trials, Values(values)).Single();
        Assert.Equal(ClaimVerdict.Inconclusive, strict.Verdict);
        // And the reverse claim is refuted by the data.
        var reverse = ClaimEvaluator.Evaluate(Study(new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,2"), B = Side("0,1") }), trials, Values(values)).Single();
        Assert.Equal(ClaimVerdict.DoesNotHold, reverse.Verdict);
    }

    [Fact]
    public void Sides_with_the_same_seeds_are_paired_and_equivalence_uses_tost()
    {
        var trials = Enumerable.Range(1, 4).Select(s => Trial("0,1,2", s)).ToList();
        double[] l0 = [0.8, 0.9, 0.85, 0.82], diff = [0.1, 0.2, 0.15, 0.12], ablation = [0.01, -0.02, 0.015, 0.0];
        var values = trials.Select((t, i) => (t.Config.Name, new Dictionary<string, double>
        {
            ["l0.structure_knn_r2"] = l0[i], ["l1.structure_knn_r2"] = l0[i] - diff[i], ["l1.ablation.block_1"] = ablation[i], ["l1.ablation.final"] = 0,
        })).ToDictionary(x => x.Name, x => x.Item2);
        var results = ClaimEvaluator.Evaluate(Study(
            new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,1,2", "l1.structure_knn_r2"), B = Side("0,1,2", "l0.structure_knn_r2") },
            new ClaimCheck { Kind = ClaimKind.NearZero, A = Side("0,1,2", "max(l1.ablation.*)"), Tolerance = 0.05 },
            new ClaimCheck { Kind = ClaimKind.NearZero, A = Side("0,1,2", "l1.ablation.block_1"), Tolerance = 0.05 }), trials, Values(values)).Single();
        var paired = results.Checks[0];
        Assert.StartsWith("paired t-test over 4 seeds", paired.Test);
        Assert.Equal(0.0036135, paired.PValue!.Value, 5); // independent integration: t = 6.5527, df = 3
        Assert.Equal(ClaimVerdict.Holds, paired.Verdict);
        Assert.Contains("TOST", results.Checks[2].Test);
        Assert.Equal(0.0040414, results.Checks[2].PValue!.Value, 5); // max of the two one-sided p-values
        Assert.Equal(ClaimVerdict.Holds, results.Checks[2].Verdict);
        Assert.Equal(ClaimVerdict.Holds, results.Verdict);
    }

    [Fact]
    public void One_seed_is_inconclusive_and_a_missing_metric_is_not_measured_never_a_number()
    {
        var trials = new[] { Trial("0,1", 1), Trial("0,2", 1) };
        var values = new Dictionary<string, Dictionary<string, double>>
        {
            [trials[0].Config.Name] = new() { ["test_mse_normalized"] = 0.1 },
            [trials[1].Config.Name] = new() { ["test_mse_normalized"] = 0.3 },
        };
        var one = ClaimEvaluator.Evaluate(Study(new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,1"), B = Side("0,2") }), trials, Values(values)).Single();
        Assert.Equal(ClaimVerdict.Inconclusive, one.Verdict);
        Assert.Contains("at least 2", one.Checks[0].Reason);
        Assert.Equal(-0.2, one.Checks[0].Estimate!.Value, 9);
        var missing = ClaimEvaluator.Evaluate(Study(
            new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,1"), B = Side("0,2") },
            new ClaimCheck { Kind = ClaimKind.Close, A = Side("0,1", "l0.structure_knn_r2", "30%"), B = Side("0,1", "l0.structure_knn_r2"), Tolerance = 0.1 }),
            trials, Values(values)).Single();
        Assert.Equal(ClaimVerdict.NotMeasured, missing.Verdict);
        Assert.Equal(ClaimVerdict.NotMeasured, missing.Checks[1].Verdict);
        Assert.Null(missing.Checks[1].Estimate);
        Assert.Contains("no embedding export at 30 % of training", missing.Checks[1].Reason);
        var noResults = ClaimEvaluator.Evaluate(Study(new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,1"), B = Side("0,2") }), trials, _ => null).Single();
        Assert.Equal(ClaimVerdict.NotMeasured, noResults.Verdict);
        Assert.Contains("no results", noResults.Checks[0].Reason);
    }

    [Fact]
    public void Metrics_are_read_by_name_from_a_result_and_its_utilisation_summary_including_snapshots()
    {
        var block = (int l, double r2, params LayerValue[] ablation) => new BlockUtilisation { L = l, Irreps = $"8x{l}e", Dim = 8 * (2 * l + 1), StructureKnnR2 = r2, Ablation = ablation };
        var result = new TrialResult
        {
            Spec = new TrialSpec { LSet = "0,1", Hidden = 8, Epochs = 10 },
            Parameters = 1234,
            TestMseNormalized = 0.21,
            Epochs = [new EpochMetrics(0, 1, 1, 1)],
            Utilisation = new UtilisationSummary
            {
                Trial = "t", Irreps = "8x0e+8x1o", Molecules = 10, AblationStatus = "available", JointKnnR2 = 0.5,
                Blocks = [block(0, 0.7, new LayerValue("block_1", 0.3)), block(1, 0.1, new LayerValue("block_1", -0.02), new LayerValue("block_2", 0.01))],
                BeforeFinal = new LayerUtilisation { Layer = "block_3", JointKnnR2 = 0.4, Blocks = [block(1, 0.2)] },
                Snapshots = [new EpochStructure { Epoch = 3, Epochs = 10, Fraction = 0.3, Layer = "final", Blocks = [new EpochBlockStructure(1, 0.12, null, null)] }],
            },
        };
        var m = TrialMetrics.Read(result);
        Assert.Equal(0.21, m.Get("test_mse_normalized", null).Value);
        Assert.Equal(1234, m.Get("parameters", null).Value);
        Assert.Equal(0.5, m.Get("joint_knn_r2", null).Value);
        Assert.Equal(0.1, m.Get("l1.structure_knn_r2", null).Value);
        Assert.Equal(0.2, m.Get("before_final.l1.structure_knn_r2", "final").Value);
        Assert.Equal(-0.02, m.Get("l1.ablation.block_1", null).Value);
        Assert.Equal(0.02, m.Get("max_abs(l1.ablation.*)", null).Value);
        Assert.Equal(0.12, m.Get("l1.structure_knn_r2", "30%").Value);
        Assert.Contains("exported at: 30 %", m.Get("l1.structure_knn_r2", "50%").Missing);
        Assert.Contains("l3.structure_knn_r2 is not written", m.Get("l3.structure_knn_r2", null).Missing);
        Assert.Equal(10, m.Epochs);
    }

    [Fact]
    public void The_report_has_a_claims_section_in_html_and_markdown()
    {
        var root = Directory.CreateTempSubdirectory("eg-claims-report-").FullName;
        try
        {
            var trials = new[] { Trial("0,1,2", 1), Trial("0,3,4", 1) };
            var study = SyntheticStudy.Write(Path.Combine(root, "study"),
                trials.Select(t => new SyntheticStudy.Trial(t.Config.Name, t.Config.LSet, 4, [0], 0.1)).ToArray(), molecules: 120, seed: 3);
            var definition = Study(new ClaimCheck { Kind = ClaimKind.Lower, A = Side("0,3,4"), B = Side("0,1,2") }) with { Rows = [] };
            var output = ReportBuilder.Build(study, Path.Combine(root, "out", "report.html"), null, new AnalyzeOptions { RunPhate = false }, new StudyClaims(definition, trials));
            var claim = Assert.Single(output.Claims!);
            Assert.Equal(ClaimVerdict.Inconclusive, claim.Verdict); // one seed per side
            var md = File.ReadAllText(output.Markdown);
            Assert.Contains("## Claims", md);
            Assert.Contains("| C | a claim | **inconclusive at this seed count** |", md);
            Assert.True(md.IndexOf("## Claims", StringComparison.Ordinal) < md.IndexOf("## Reading", StringComparison.Ordinal));
            var html = File.ReadAllText(output.Html);
            Assert.Contains("<table id=\"claims\">", html);
            Assert.Contains("Welch&#39;s t-test", html);
            Assert.True(File.Exists(Path.Combine(output.FigureFolder, "claims.json")));
        }
        finally { Directory.Delete(root, true); }
    }
}
