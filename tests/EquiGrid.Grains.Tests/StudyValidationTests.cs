using EquiGrid.Grains.Studies;

namespace EquiGrid.Grains.Tests;

/// <summary>Explicit trial rows, complete validation (every field of every trial, size limits), claims and YAML errors.</summary>
public class StudyValidationTests
{
    [Fact]
    public void Rows_are_written_one_by_one_and_crossed_with_the_grid()
    {
        var (def, trials) = StudyFile.Parse("""
            study: table
            trial: { batch_size: 16 }
            trials:
              - { lset: "0,1,2", hidden: 32, epochs: 100 }
              - { lset: [0, 3, 4, 5, 6], hidden: 16, epochs: 30, learning_rate: 0.002 }
            grid:
              seeds: [1, 2]
            """);
        Assert.Equal(2, def.Rows.Count);
        Assert.Equal(["table/L0-1-2_h32_e100_s1", "table/L0-1-2_h32_e100_s2", "table/L0-3-4-5-6_h16_e30_s1", "table/L0-3-4-5-6_h16_e30_s2"],
            trials.Select(t => t.TrialId));
        Assert.All(trials, t => Assert.Equal(16, t.Config.BatchSize));
        Assert.Equal(0.002, trials[3].Config.LearningRate);
        Assert.Equal(0.001, trials[0].Config.LearningRate);
    }

    [Fact]
    public void Export_at_fractions_reach_the_trainer_spec_and_bad_ones_are_refused()
    {
        var (_, trials) = StudyFile.Parse("study: e\ntrial: { lset: \"0,1\", hidden: 4, epochs: 10, export_at: [1, 0.3] }\n");
        Assert.Equal([0.3, 1.0], trials.Single().Config.ExportAt!);
        // The study's spec is the trainer's: it reaches the child through the attempt file's JSON.
        Assert.Equal([0.3, 1.0], ContractJson.Deserialize<TrialSpec>(ContractJson.Serialize(trials.Single().Config), "spec").ExportAt!);
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: e\ntrial: { lset: \"0,1\", hidden: 4, export_at: [0, 1.5] }\n"));
        Assert.Equal("trial.export_at", e.Errors.Single().Field);
    }

    [Fact]
    public void A_row_without_an_lset_needs_one_from_the_base_or_the_grid()
    {
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: t\ntrials:\n  - { hidden: 8 }\n  - { lset: \"0,1\", hidden: 8 }\n"));
        Assert.Contains(e.Errors, x => x.Field == "grid.lsets");
    }

    [Fact]
    public void Repeated_rows_are_refused_with_the_trial_named()
    {
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: t\ntrials:\n  - { lset: \"0,1\", hidden: 8 }\n  - { lset: \"0,1\", hidden: 8, batch_size: 4 }\n"));
        Assert.Contains("t/L0-1_h8_e3_s21616 appears twice", e.Message);
        Assert.Equal(3, e.Errors[0].Line);
    }

    [Fact]
    public void An_lset_without_0_is_refused_in_the_file_in_a_row_and_in_a_definition_built_in_code()
    {
        var grid = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: t\ngrid:\n  lsets: [\"0,1\", \"1,2\"]\n  hidden: [8]\n"));
        Assert.Equal(3, grid.Errors.Single().Line);
        Assert.Contains("no order 0", grid.Errors.Single().Message);
        var row = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: t\ntrials:\n  - { lset: \"2,4\", hidden: 8 }\n"));
        Assert.Equal("trials[1].lset", row.Errors.Single().Field);
        // The study grain runs the same validator on what it receives: a client that skips the file is caught too.
        var code = TestStudies.Grid("c") with { Axes = [new GridAxis("lset", ["1,2"]), new GridAxis("hidden", ["8"])] };
        Assert.Contains("no order 0", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(code)).Message);
        var row2 = TestStudies.Grid("c") with { Axes = [], Rows = [new TrialRow(new Dictionary<string, string> { ["lset"] = "3", ["hidden"] = "8" })] };
        Assert.Contains("no order 0", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(row2)).Message);
    }

    [Fact]
    public void Every_field_of_every_trial_is_checked_not_only_the_grid_values()
    {
        // Base values that no file could produce (a definition from another client): each is refused by name.
        Assert.Contains("epochs", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(TestStudies.Grid("b") with { Base = new TrialSpec { LSet = "0", Hidden = 1, Epochs = 0 } })).Message);
        Assert.Contains("batch_size", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(TestStudies.Grid("b") with { Base = new TrialSpec { LSet = "0", Hidden = 1, BatchSize = -5 } })).Message);
        Assert.Contains("learning_rate", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(TestStudies.Grid("b") with { Base = new TrialSpec { LSet = "0", Hidden = 1, LearningRate = double.NaN } })).Message);
        Assert.Contains("graph", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(TestStudies.Grid("b") with { Base = new TrialSpec { LSet = "0", Hidden = 1, Graph = "knn" } })).Message);
        Assert.Contains("data_path", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(TestStudies.Grid("b") with { Base = new TrialSpec { LSet = "0", Hidden = 1, DataPath = new string('x', 5000) } })).Message);
    }

    [Fact]
    public void Size_limits_refuse_a_huge_description_file_or_grid()
    {
        var big = TestStudies.Grid("d") with { Description = new string('x', 10_000_000) };
        Assert.StartsWith("description:", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(big)).Message);
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse($"study: d\ndescription: {new string('x', StudyValidator.MaxDescriptionLength + 1)}\ntrial: {{ lset: \"0\", hidden: 1 }}\n"));
        Assert.Equal("description", e.Errors.Single().Field);
        var dir = Directory.CreateTempSubdirectory("equigrid-study-");
        try
        {
            var path = Path.Combine(dir.FullName, "huge.yaml");
            File.WriteAllText(path, "study: h\ntrial: { lset: \"0\", hidden: 1 }\n# " + new string('x', (int)StudyFile.MaxFileBytes) + "\n");
            Assert.Equal("file", Assert.Throws<StudyFileException>(() => StudyFile.Load(path)).Errors.Single().Field);
        }
        finally { dir.Delete(true); }
        var grid = "study: g\ngrid:\n  lsets: [\"0\"]\n  hidden: [" + string.Join(",", Enumerable.Range(1, 101)) + "]\n  seeds: [" + string.Join(",", Enumerable.Range(1, 100)) + "]\n";
        Assert.Contains("more than 10000 trials", Assert.Throws<StudyFileException>(() => StudyFile.Parse(grid)).Message);
    }

    [Theory]
    [InlineData("study: y\ngrid:\n  lsets: [\"0,1,2\", \"0,1\"\n  hidden: [8]\n", 3)]
    [InlineData("study: y\ngrid:\n  lsets: [\"0,1,2\"\n", 3)]
    [InlineData("study: y\ntrial: { lset: \"0\", hidden: 1\n", 2)]
    [InlineData("study: \"y\ntrial: { lset: \"0\", hidden: 1 }\n", 1)]
    public void Yaml_syntax_errors_are_reported_with_line_and_column(string yaml, int minLine)
    {
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse(yaml, "y.yaml"));
        var error = e.Errors.Single();
        Assert.Equal("yaml", error.Field);
        Assert.True(error.Line >= minLine, $"line {error.Line}");
        Assert.True(error.Column >= 1);
        Assert.StartsWith($"y.yaml:{error.Line}:{error.Column}: yaml: ", e.Message);
        Assert.DoesNotContain("current state of the object", e.Message);
    }

    [Fact]
    public void Relative_data_paths_are_resolved_against_the_study_file_and_missing_ones_are_listed()
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-study-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "data"));
            File.WriteAllText(Path.Combine(dir.FullName, "data", "qm9.xyz"), "");
            Directory.CreateDirectory(Path.Combine(dir.FullName, "studies"));
            var path = Path.Combine(dir.FullName, "studies", "s.yaml");
            File.WriteAllText(path, "study: s\ntrial: { data_path: ../data/qm9.xyz }\ntrials:\n  - { lset: \"0\", hidden: 1 }\n  - { lset: \"0,1\", hidden: 1, data_path: ../data/missing.xyz }\n");
            var (_, trials) = StudyFile.Load(path);
            Assert.Equal(Path.Combine(dir.FullName, "data", "qm9.xyz"), trials[0].Config.DataPath);
            Assert.Equal([Path.Combine(dir.FullName, "data", "missing.xyz")], StudyFile.MissingDataPaths(trials));
        }
        finally { dir.Delete(true); }
    }

    private const string WithClaims = """
        study: c
        trials:
          - { lset: "0,1,2", hidden: 8 }
          - { lset: "0,3,4,5,6", hidden: 8 }
        grid:
          seeds: [1, 2, 3]
        claims:
          - id: C2
            text: "[0,3,4,5,6] has a lower test error than [0,1,2]"
            checks:
              - kind: lower
                metric: test_mse_normalized
                a: { lset: [0, 3, 4, 5, 6] }
                b: { lset: "0,1,2" }
          - id: C1
            text: l = 1 carries little structure and zeroing it changes little
            checks:
              - { kind: lower, a: { lset: "0,1,2", metric: l1.structure_knn_r2 }, b: { lset: "0,1,2", metric: l0.structure_knn_r2 } }
              - { kind: near_zero, metric: "max_abs(l1.ablation.*)", tolerance: 0.05, a: { lset: "0,1,2" } }
              - { kind: close, metric: l0.structure_knn_r2, tolerance: 0.1, a: { lset: "0,1,2", at: 30% }, b: { lset: "0,1,2" } }
        """;

    [Fact]
    public void Claims_are_parsed_with_canonical_row_values_and_checked_against_the_trials()
    {
        var (def, trials) = StudyFile.Parse(WithClaims);
        Assert.Equal(["C2", "C1"], def.Claims.Select(c => c.Id));
        var c2 = def.Claims[0].Checks.Single();
        Assert.Equal(ClaimKind.Lower, c2.Kind);
        Assert.Equal("0,3,4,5,6", c2.A.Rows["lset"]);
        Assert.Equal(3, StudyValidator.Select(c2.A, trials).Count);
        var c1 = def.Claims[1].Checks;
        Assert.Equal("l1.structure_knn_r2", c1[0].A.Metric);
        Assert.Equal("l0.structure_knn_r2", c1[0].B!.Metric);
        Assert.Equal(0.05, c1[1].Tolerance);
        Assert.Equal("30%", c1[2].A.At);
        Assert.Null(c1[2].B!.At);
    }

    [Theory]
    [InlineData("a: { lset: \"0,1,2,3\" }", "no trial of the study has lset = 0,1,2,3")]
    [InlineData("a: { lset: \"0,1,2\", colour: red }", "not a trial field")]
    [InlineData("kind: sideways", "is not a kind")]
    [InlineData("metric: \"Test MSE\"", "is not a metric name")]
    [InlineData("at: halfway", "share of training")]
    [InlineData("b: { lset: \"0,1,2\" }", "remove b")]
    [InlineData("tolerance: -1", "positive tolerance")]
    public void Claim_mistakes_are_refused_with_the_field_named(string change, string expected)
    {
        var check = new Dictionary<string, string>
        {
            ["kind"] = "kind: near_zero", ["metric"] = "metric: test_mse_normalized", ["a"] = "a: { lset: \"0,1,2\" }", ["tolerance"] = "tolerance: 0.1",
        };
        check[change.Split(':')[0]] = change;
        var yaml = "study: c\ngrid:\n  lsets: [\"0,1,2\"]\n  hidden: [8]\nclaims:\n  - id: X\n    text: a claim\n    checks:\n      - { " + string.Join(", ", check.Values) + " }\n";
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse(yaml, "c.yaml"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("claims", e.Errors[0].Field);
        Assert.True(e.Errors[0].Line >= 5);
    }
}
