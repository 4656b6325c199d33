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
        AssertRefused(CliProcess.Run(120_000, "run", Study(), "--data-dir", file, "--no-report"), "--data-dir", "is a file", "give a folder");
        Assert.Equal("keep me", File.ReadAllText(file));
        AssertRefused(CliProcess.Run(120_000, "run", Study(), "--data-dir", "", "--no-report"), "--data-dir is empty");
        var data = Path.Combine(_dir, "data");
        AssertRefused(CliProcess.Run(120_000, "run", Study(), "--data-dir", data, "--slots", "0", "--no-report"), "--slots 0", "1 or more");
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
        // The first run announces its state folder (stderr) once it holds it.
        using var first = await Busy.Start(["run", study, "--data-dir", data, "--no-report"], stderr: true, l => l.Contains("state in"));
        AssertRefused(CliProcess.Run(120_000, "run", study, "--data-dir", data, "--no-report"), $"--data-dir '{data}' is in use by another `equigrid run`", "another --data-dir");
        Assert.False(first.Exited, "the first run stopped when the second was refused");
    }

    [Fact]
    public async Task A_second_train_into_the_same_folder_is_refused_while_the_first_writes_it()
    {
        var outDir = Path.Combine(_dir, "busy");
        string[] train = ["train", "--l", "0,1", "--hidden", "4", "--epochs", "500", "--max-molecules", "400", "--batch", "8", "--layers", "1", "--out", outDir];
        // A progress line (stdout) means the first trainer holds the folder and is writing into it.
        using var first = await Busy.Start(train, stderr: false, l => l.StartsWith("epoch ", StringComparison.Ordinal));
        AssertRefused(CliProcess.Run(120_000, train), $"--out '{outDir}' is in use by another `equigrid train`", "another --out");
        Assert.False(first.Exited, "the first trainer stopped when the second was refused");
    }

    /// <summary>A long-running CLI process, started and awaited until it prints a given line; killed on dispose.</summary>
    private sealed class Busy : IDisposable
    {
        private readonly Process _process;
        private Busy(Process process) => _process = process;
        public bool Exited => _process.HasExited;

        public static async Task<Busy> Start(string[] args, bool stderr, Func<string, bool> ready)
        {
            var lines = new ConcurrentQueue<string>();
            var busy = new Busy(Process.Start(CliProcess.StartInfo(args))!);
            var p = busy._process;
            p.OutputDataReceived += (_, e) => { if (e.Data is not null && !stderr) lines.Enqueue(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null && stderr) lines.Enqueue(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (!lines.Any(ready))
            {
                if (p.HasExited) { busy.Dispose(); throw new Xunit.Sdk.XunitException($"equigrid exited with {p.ExitCode} before it was ready: {string.Join('\n', lines)}"); }
                if (DateTime.UtcNow > deadline) { busy.Dispose(); throw new TimeoutException($"equigrid was not ready within 3 minutes: {string.Join('\n', lines)}"); }
                await Task.Delay(100);
            }
            return busy;
        }

        public void Dispose()
        {
            if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
            _process.Dispose();
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
    public void A_finished_study_runs_again_from_its_saved_copy_and_a_changed_field_is_named_when_refused()
    {
        var data = Path.Combine(_dir, "data");
        var first = CliProcess.Run(240_000, "run", Study(), "--data-dir", data, "--no-report");
        Assert.True(first.Code == 0, $"exit {first.Code}\n{first.Out}\n{first.Err}");
        // `run` saved the study file beside the results; running that copy again copied it onto itself ("The process
        // cannot access the file", exit 1, no study table written).
        var saved = Path.Combine(data, "studies", "tiny", "study.yaml");
        var table = Path.Combine(data, "studies", "tiny", "study_table.json");
        File.Delete(table);
        var again = CliProcess.Run(240_000, "run", saved, "--data-dir", data, "--no-report");
        Assert.True(again.Code == 0, $"exit {again.Code}\n{again.Out}\n{again.Err}");
        Assert.True(File.Exists(table), "the rerun wrote no study table");
        Assert.Equal(File.ReadAllText(Study()), File.ReadAllText(saved));
        // The same id with a changed field: refused, and the message says which field changed.
        var changed = CliProcess.Run(240_000, "run", Study(TinyStudy.Replace("max_molecules: 64", "max_molecules: 65")), "--data-dir", data, "--no-report");
        Assert.True(changed.Code == 2, $"exit {changed.Code}\n{changed.Out}\n{changed.Err}");
        var error = Assert.Single(changed.Err.Split('\n'), l => l.StartsWith("equigrid: error: ", StringComparison.Ordinal));
        Assert.Contains("study: 'tiny' already exists with other trial fields (tiny/L0-1_h4_e1_s21616: max_molecules 64, the file gives 65)", error);
        Assert.DoesNotContain("   at ", changed.Err + changed.Out);
        // A corrupt grain state file: a failure (exit 1) whose one line names the file and what to do.
        var state = Path.Combine(data, "state", "study", "study%2Ftiny.state");
        Assert.True(File.Exists(state), "no study state file at " + state);
        File.WriteAllText(state, "garbage, but at least eight bytes long");
        var corrupt = CliProcess.Run(240_000, "run", Study(), "--data-dir", data, "--no-report");
        Assert.True(corrupt.Code == 1, $"exit {corrupt.Code}\n{corrupt.Out}\n{corrupt.Err}");
        var failed = Assert.Single(corrupt.Err.Split('\n'), l => l.StartsWith("equigrid: failed: ", StringComparison.Ordinal));
        Assert.Contains($"grain state file '{state}' is corrupt", failed);
        Assert.Contains("move it away", failed);
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
        AssertRefused(CliProcess.Run(120_000, "train", "--l", "0,1", "--hidden", "4", "--out", file), "--out", "is a file");
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
        AssertRefused(CliProcess.Run(120_000, verb, id, "--gateway", "127.0.0.1:1"), $"study id '{id}': use letters, digits");
    }

    [Fact]
    public void Output_options_that_name_a_file_or_a_folder_of_the_wrong_kind_are_refused_before_any_work()
    {
        var file = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(file, "keep me");
        // pull: before the cluster and blob storage are contacted (nothing listens on port 1).
        AssertRefused(CliProcess.Run(120_000, "pull", "tiny", "--to", file, "--gateway", "127.0.0.1:1", "--blob", "UseDevelopmentStorage=true"),
            $"--to '{file}' is a file, not a folder");
        Assert.Equal("keep me", File.ReadAllText(file));
        // report: --out is the HTML file; a folder there was "Access to the path is denied", exit 1.
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "reports")).FullName;
        AssertRefused(CliProcess.Run(120_000, "report", _dir, "--out", folder), $"--out '{folder}' is a folder", "report.html");
    }

    [Fact]
    public void Absurd_model_sizes_and_an_empty_batch_are_bad_input_not_failures()
    {
        AssertRefused(CliProcess.Run(120_000, "model", "summary", "--l", "0,1", "--hidden", "1000000000"), "hidden", "1..4096");
        AssertRefused(CliProcess.Run(120_000, "bench", "train", "--l", "0,1", "--hidden", "4", "--batch", "0", "--steps", "1"), "batch_size", "must be in 1..");
    }

    [Fact]
    public void Every_problem_of_a_study_file_gets_its_own_line_naming_its_place_and_field()
    {
        var r = CliProcess.Run(120_000, "submit", "--dry-run", Study("""
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
