using System.Collections.Concurrent;
using System.Diagnostics;

namespace EquiGrid.Client.Tests;

/// <summary>
/// Bad input a careless operator gives the local verbs (<c>run</c>, <c>train</c>, <c>model</c>, <c>bench</c>,
/// <c>submit</c>): each is refused with exit 2 and one line per problem that names the option or field, and nothing
/// already stored is touched.
/// </summary>
public class OperatorInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("equigrid-operator-").FullName;

    private const string TinyStudy = """
        study: tiny
        trial: { hidden: 4, epochs: 1, max_molecules: 64, batch_size: 8, layers: 1, atom_dim: 8, basis: 4 }
        grid: { lsets: ["0,1"] }
        """;

    private string Study(string yaml = TinyStudy)
    {
        var path = Path.Combine(_dir, "study.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static void AssertRefused((int Code, string Out, string Err) r, params string[] expected)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}\nstdout:\n{r.Out}\nstderr:\n{r.Err}");
        var line = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("equigrid: error: ", line);
        foreach (var e in expected) Assert.Contains(e, line);
    }

    [Fact]
    public void Run_refuses_a_data_dir_that_cannot_be_a_folder_and_a_slot_count_below_one_before_starting()
    {
        var file = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(file, "keep me");
        AssertRefused(CliProcess.Run(60_000, "run", Study(), "--data-dir", file, "--no-report"), "--data-dir", "is a file", "give a folder");
        Assert.Equal("keep me", File.ReadAllText(file));
        AssertRefused(CliProcess.Run(60_000, "run", Study(), "--data-dir", "", "--no-report"), "--data-dir is empty");
        var data = Path.Combine(_dir, "data");
        AssertRefused(CliProcess.Run(60_000, "run", Study(), "--data-dir", data, "--slots", "0", "--no-report"), "--slots 0", "1 or more");
        Assert.False(Directory.Exists(data), "a refused run created its data folder");
    }

    [Fact]
    public async Task A_second_run_on_the_same_data_dir_is_refused_while_the_first_holds_it()
    {
        // One trial far too long to finish during the test: the first run certainly still holds the folder.
        var study = Study("""
            study: busy
            trial: { hidden: 4, epochs: 500, max_molecules: 400, batch_size: 8, layers: 1, atom_dim: 8, basis: 4 }
            grid: { lsets: ["0,1"] }
            """);
        var data = Path.Combine(_dir, "data");
        var stderr = new ConcurrentQueue<string>();
        using var first = Process.Start(CliProcess.StartInfo("run", study, "--data-dir", data, "--no-report"))!;
        try
        {
            first.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderr.Enqueue(e.Data); };
            first.OutputDataReceived += (_, _) => { };
            first.BeginErrorReadLine();
            first.BeginOutputReadLine();
            // The first run announces its state folder once it holds it.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!stderr.Any(l => l.Contains("state in")))
            {
                Assert.False(first.HasExited, $"the first run exited with {(first.HasExited ? first.ExitCode : 0)}: {string.Join('\n', stderr)}");
                Assert.True(DateTime.UtcNow < deadline, "the first run did not start within 2 minutes");
                await Task.Delay(100);
            }
            var second = CliProcess.Run(60_000, "run", study, "--data-dir", data, "--no-report");
            AssertRefused(second, "--data-dir", "is in use by another `equigrid run`", "another --data-dir");
            Assert.False(first.HasExited, "the first run stopped when the second was refused");
        }
        finally
        {
            if (!first.HasExited) { first.Kill(entireProcessTree: true); await first.WaitForExitAsync(); }
        }
    }

    [Fact]
    public void Run_works_when_the_environment_holds_a_cluster_token()
    {
        // An operator with EQUIGRID_TOKEN exported for a real cluster: the embedded silo adopts it, and the run's own
        // calls must carry it (they were refused: "missing or wrong cluster token", exit 1).
        var psi = CliProcess.StartInfo("run", Study(), "--data-dir", Path.Combine(_dir, "data"), "--no-report");
        psi.Environment["EQUIGRID_TOKEN"] = "operator-token-7f3a";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(240_000)) { p.Kill(true); throw new TimeoutException("equigrid run did not finish"); }
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        Assert.Contains("tiny: completed, 1 trials: 1 completed", stdout.Result);
    }

    [Fact]
    public void Train_refuses_an_output_folder_that_holds_another_trials_result_and_leaves_it_as_it_was()
    {
        var outDir = Path.Combine(_dir, "trained");
        Directory.CreateDirectory(outDir);
        var resultPath = Path.Combine(outDir, "result.json");
        ContractJson.Write(resultPath, new TrialResult { Spec = new TrialSpec { LSet = "0,1", Hidden = 4, Epochs = 1, MaxMolecules = 64 }, TestMaeEv = 1.5 });
        var metricsPath = Path.Combine(outDir, "metrics.jsonl");
        File.WriteAllText(metricsPath, "{\"type\":\"test\"}\n");
        var before = File.ReadAllBytes(resultPath);

        var r = CliProcess.Run(120_000, "train", "--l", "0,1", "--hidden", "8", "--epochs", "1", "--max-molecules", "64", "--batch", "8", "--out", outDir);
        AssertRefused(r, "--out", "holds the result of another trial", "hidden 4, not 8", "new --out folder");
        Assert.Equal(before, File.ReadAllBytes(resultPath));
        Assert.Equal("{\"type\":\"test\"}\n", File.ReadAllText(metricsPath));
        Assert.False(Directory.Exists(Path.Combine(outDir, "checkpoints")), "a refused train wrote checkpoints");

        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        AssertRefused(CliProcess.Run(60_000, "train", "--l", "0,1", "--hidden", "4", "--out", file), "--out", "is a file");
    }

    [Theory]
    [InlineData("status", "../x")]
    [InlineData("trials", "")]
    [InlineData("cancel", "a/b")]
    [InlineData("retry", "two words")]
    [InlineData("results", "../../etc")]
    public void Cluster_verbs_refuse_a_malformed_study_id_before_connecting(string verb, string id)
    {
        // Nothing listens on port 1: the id must be refused before any connection is tried.
        AssertRefused(CliProcess.Run(60_000, verb, id, "--gateway", "127.0.0.1:1"), $"study id '{id}': use letters, digits");
    }

    [Fact]
    public void Absurd_model_sizes_and_an_empty_batch_are_bad_input_not_failures()
    {
        AssertRefused(CliProcess.Run(60_000, "model", "summary", "--l", "0,1", "--hidden", "1000000000"), "hidden", "1..4096");
        AssertRefused(CliProcess.Run(60_000, "bench", "train", "--l", "0,1", "--hidden", "4", "--batch", "0", "--steps", "1"), "batch_size", "must be in 1..");
    }

    [Fact]
    public void Every_problem_of_a_study_file_gets_its_own_line_naming_its_place_and_field()
    {
        var r = CliProcess.Run(60_000, "submit", "--dry-run", Study("""
            study: two-problems
            colour: red
            trial: { hidden: four }
            grid: { lsets: ["0,1"] }
            """));
        Assert.Equal(2, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("equigrid: error: study.yaml:", l));
        Assert.Contains("study.yaml:2:1: colour: unknown key", lines[0]);
        Assert.Contains("study.yaml:3:18: trial.hidden:", lines[1]);
    }

    /// <inheritdoc />
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
}
