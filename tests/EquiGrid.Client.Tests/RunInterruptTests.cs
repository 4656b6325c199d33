using System.Collections.Concurrent;
using System.Diagnostics;
using EquiGrid.Grains;
using EquiGrid.Grains.Trials;
using EquiGrid.LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Xunit.Abstractions;

namespace EquiGrid.Client.Tests;

/// <summary>
/// Ctrl+C on <c>equigrid run STUDY</c> (the embedded single-machine profile), sent as a real SIGINT to the CLI process:
/// it exits 130, its trial runners are gone, and what it stored survives: run again, the completed trial is not
/// trained again and the interrupted one resumes from its last checkpoint.
/// </summary>
public class RunInterruptTests(ITestOutputHelper output)
{
    // Two trials at once (--slots 2): one of a single epoch that completes, one far too long to finish in the test, so
    // the interrupt always lands while it trains, however fast the machine.
    private const string StudyYaml = """
        study: sigint
        max_attempts: 3
        trial:
          hidden: 4
          max_molecules: 400
          batch_size: 8
          layers: 1
          atom_dim: 8
          basis: 4
          checkpoint_every_steps: 5
        grid:
          lsets: ["0,1"]
          seeds: [1]
          epochs: [1, 500]
        """;

    private const string Short = "L0-1_h4_e1_s1", Long = "L0-1_h4_e500_s1";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Ctrl_C_on_run_exits_130_stops_its_trial_runners_and_a_rerun_resumes_from_what_was_stored()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-sigint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var study = Path.Combine(dir, "sigint.yaml");
            await File.WriteAllTextAsync(study, StudyYaml);
            var data = Path.Combine(dir, "state");
            var trials = Path.Combine(data, "checkpoints", "studies", "sigint", "trials");
            var shortResult = Path.Combine(data, "studies", "sigint", Short, "result.json");

            // First run: interrupted once the short trial has completed and the long one's trial grain has committed a
            // checkpoint (read from its stored state: the grain commits a checkpoint some time after the child wrote the
            // file, and under load that relay lagged several checkpoints, so the files alone do not say what is committed).
            long interruptedAt, committed;
            byte[] shortResultBytes;
            using (var run = CliRun.Start(output, "run", study, "--data-dir", data, "--slots", "2", "--no-report"))
            {
                await run.WaitUntil(() => run.Stdout.Any(l => l.Contains(" 1 completed")) && CommittedStep(data, Long) > 0, Patience, "the short trial completed and the long one's checkpoint was committed");
                var runners = Signals.Children(run.Id, "EquiGrid.TrialRunner");
                Assert.NotEmpty(runners); // the long trial's runner, a child of the CLI process
                Signals.Interrupt(run.Id);
                Assert.Equal(130, await run.ExitCode(TimeSpan.FromMinutes(1)));
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!runners.All(Signals.IsGone) && DateTime.UtcNow < deadline) await Task.Delay(100);
                Assert.True(runners.All(Signals.IsGone), $"trial runners still running after the CLI exited: {string.Join(", ", runners.Where(p => !Signals.IsGone(p)))}");
                Assert.DoesNotContain(run.Stderr, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack traces
                interruptedAt = LatestStep(trials, Long, attempt: 1);
                committed = CommittedStep(data, Long); // what the grain holds now that the run has stopped
                shortResultBytes = await File.ReadAllBytesAsync(shortResult);
            }

            // Second run on the same data folder: record every checkpoint a later attempt of either trial writes (the
            // store prunes old ones at once, so a listing afterwards would not show where training restarted).
            foreach (var trial in new[] { Short, Long })
                for (int attempt = 2; attempt <= 4; attempt++) Directory.CreateDirectory(Path.Combine(trials, trial, $"attempt-{attempt}"));
            var written = new ConcurrentQueue<string>();
            using var watcher = new FileSystemWatcher(trials) { IncludeSubdirectories = true, Filter = "*.ckpt.sha256", EnableRaisingEvents = true };
            watcher.Created += (_, e) => written.Enqueue(Path.GetRelativePath(trials, e.FullPath));
            watcher.Renamed += (_, e) => written.Enqueue(Path.GetRelativePath(trials, e.FullPath));
            using (var rerun = CliRun.Start(output, "run", study, "--data-dir", data, "--slots", "2", "--no-report"))
            {
                // Both, in either order: the resumed trial may checkpoint (a tiny model, a few steps) before the CLI has
                // printed its first summary line, which reports the short trial as already completed.
                await rerun.WaitUntil(() => written.Any(w => w.StartsWith(Long + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    && rerun.Stdout.Any(l => l.Contains(" 1 completed")), Patience, "the long trial's next checkpoint and a summary with the short trial completed");
                Signals.Interrupt(rerun.Id);
                Assert.Equal(130, await rerun.ExitCode(TimeSpan.FromMinutes(1)));
            }
            output.WriteLine($"interrupted at step {interruptedAt} (committed: step {committed}); the rerun wrote {string.Join(", ", written)}");
            // The long trial resumed from the grain's newest committed checkpoint: training from scratch writes step 5 (the
            // first checkpoint) first, the resumed attempt only steps after its resume point. That point may lag the files
            // the child wrote by several checkpoints (the interrupt cuts the relay's queue), so the rerun may write some of
            // those steps again.
            var steps = written.Where(w => w.StartsWith(Long + Path.DirectorySeparatorChar, StringComparison.Ordinal)).Select(Step).ToList();
            Assert.NotEmpty(steps);
            Assert.All(steps, s => Assert.True(s > committed,
                $"the rerun checkpointed step {s} (interrupted at step {interruptedAt}, committed step {committed}): it did not resume from the committed checkpoint"));
            // The completed trial was not trained again: no checkpoint of a later attempt, its result untouched.
            Assert.DoesNotContain(written, w => w.StartsWith(Short + Path.DirectorySeparatorChar, StringComparison.Ordinal));
            Assert.Equal(shortResultBytes, await File.ReadAllBytesAsync(shortResult));
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>The highest committed checkpoint step of one attempt of a trial (0 when none yet).</summary>
    private static long LatestStep(string trials, string trial, int attempt)
    {
        var folder = Path.Combine(trials, trial, $"attempt-{attempt}");
        if (!Directory.Exists(folder)) return 0;
        return Directory.EnumerateFiles(folder, "*.ckpt.sha256").Select(Step).DefaultIfEmpty(0).Max();
    }

    private static readonly Serializer StateSerializer = new ServiceCollection().AddContractsSerialization()
        .AddSerializer(b => b.AddAssembly(typeof(TrialGrainState).Assembly)).BuildServiceProvider().GetRequiredService<Serializer>();

    /// <summary>
    /// The step of the newest checkpoint the trial grain of <paramref name="trial"/> has committed (0 when none), read from
    /// its state file in the embedded profile's data folder. The silo replaces that file by a rename, so it can be read
    /// while the CLI runs.
    /// </summary>
    private static long CommittedStep(string data, string trial)
    {
        var folder = Path.Combine(data, "state", "trial");
        if (!Directory.Exists(folder)) return 0;
        // Grain keys are escaped in file names: "trial/sigint/NAME" is stored as "trial%2Fsigint%2FNAME.state".
        var file = Directory.EnumerateFiles(folder, "*.state").SingleOrDefault(f => Path.GetFileName(f).EndsWith("%2F" + trial + ".state", StringComparison.Ordinal));
        if (file is null) return 0;
        var bytes = File.ReadAllBytes(file); // an 8-byte version, then the serialised state
        var state = new OrleansGrainStorageSerializer(StateSerializer).Deserialize<TrialGrainState>(new BinaryData(bytes.AsMemory(sizeof(long))))
                    ?? throw new InvalidDataException($"{file}: no trial state in it");
        return state.Checkpoints.FirstOrDefault()?.Step ?? 0;
    }

    /// <summary>The step of a checkpoint file ".../step-N.ckpt.sha256".</summary>
    private static long Step(string path)
    {
        var name = Path.GetFileName(path);
        return long.Parse(name["step-".Length..name.IndexOf('.')]);
    }

    /// <summary>The CLI as a child process with its output collected line by line.</summary>
    private sealed class CliRun : IDisposable
    {
        private readonly Process _process;
        private readonly ITestOutputHelper _output;
        public ConcurrentQueue<string> Stdout { get; } = new();
        public ConcurrentQueue<string> Stderr { get; } = new();
        public int Id => _process.Id;

        private CliRun(Process process, ITestOutputHelper output) { _process = process; _output = output; }

        public static CliRun Start(ITestOutputHelper output, params string[] args)
        {
            var process = Process.Start(CliProcess.WithDefaultSigint(CliProcess.StartInfo(args)))!;
            var run = new CliRun(process, output);
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) run.Stdout.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) run.Stderr.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return run;
        }

        public async Task WaitUntil(Func<bool> condition, TimeSpan patience, string what)
        {
            var deadline = DateTime.UtcNow + patience;
            while (!condition())
            {
                if (_process.HasExited) throw new Xunit.Sdk.XunitException($"equigrid exited with {_process.ExitCode} before {what}\n{Transcript()}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {what} within {patience.TotalSeconds:0} s\n{Transcript()}");
                await Task.Delay(100);
            }
        }

        public async Task<int> ExitCode(TimeSpan patience)
        {
            using var timeout = new CancellationTokenSource(patience);
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"equigrid did not exit within {patience.TotalSeconds:0} s of SIGINT\n{Transcript()}"); }
            _output.WriteLine(Transcript());
            return _process.ExitCode;
        }

        private string Transcript() => $"stdout:\n{string.Join('\n', Stdout)}\nstderr:\n{string.Join('\n', Stderr)}";

        public void Dispose()
        {
            if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
            _process.Dispose();
        }
    }
}
