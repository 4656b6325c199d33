using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using EquiGrid.Silo.Checkpoints;
using EquiGrid.Training;
using EquiGrid.Training.Gpu;
using EquiGrid.TrialRunner;
using EquiGrid.Silo.Worker;

// Runs ONE trial attempt in its own process, so a native crash or OOM costs an attempt, never the silo.
// Usage: EquiGrid.TrialRunner --spec spec.json --trial-id ID --attempt N --store file:DIR|blob:CONTAINER --result out.json
//        [--parent-pid PID] [--threads N] [--export DIR]   (blob connection string from EQUIGRID_BLOB_CONNECTION)
// --export DIR: after training, the trial's analysis folder (result.json, metrics.jsonl, embeddings/) goes to DIR,
// computed here where the model is ("analysis runs where the data is").
var opts = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
string Need(string k) => opts.TryGetValue(k, out var v) ? v : throw new ArgumentException($"--{k} is required");

// Ctrl+C in a terminal signals the whole foreground process group, this child included: the worker decides when an
// attempt stops (it kills the child and hands the lease back), so the runner ignores SIGINT. It still stops when its
// silo dies (--parent-pid) and on SIGTERM/SIGKILL.
using var ignoreCtrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);

try
{
    var spec = JsonSerializer.Deserialize<TrialSpec>(File.ReadAllText(Need("spec")), RunnerMessage.Json)
               ?? throw new InvalidDataException("empty spec");
    string trialId = Need("trial-id");
    int attempt = int.Parse(Need("attempt"));
    var storeArg = Need("store");
    ICheckpointStore store = storeArg.StartsWith("file:", StringComparison.Ordinal)
        ? new FileCheckpointStore(storeArg[5..])
        : storeArg.StartsWith("blob:", StringComparison.Ordinal)
            ? new BlobCheckpointStore(Environment.GetEnvironmentVariable("EQUIGRID_BLOB_CONNECTION")
                                      ?? throw new ArgumentException("EQUIGRID_BLOB_CONNECTION is not set"), storeArg[5..])
            : throw new ArgumentException($"--store '{storeArg}': use file:DIR or blob:CONTAINER");

    using var cts = new CancellationTokenSource();
    if (opts.TryGetValue("parent-pid", out var ppid))
    {
        // If the silo dies (even by SIGKILL) the attempt must stop too: its lease will lapse and another node resumes it.
        var parent = Process.GetProcessById(int.Parse(ppid));
        _ = Task.Run(async () => { await parent.WaitForExitAsync(); Environment.Exit(RunnerExitCodes.ParentGone); });
    }
    var stdout = Console.Out;
    var gate = new object();
    void Emit(RunnerMessage m) { lock (gate) { stdout.WriteLine(JsonSerializer.Serialize(m, RunnerMessage.Json)); stdout.Flush(); } }
    // Only the trial's own checkpoints move its pointer; the models kept for export_at live under sibling keys.
    var reporting = new ReportingCheckpointStore(store, r => { if (r.TrialId == trialId) Emit(new RunnerMessage
    {
        Kind = "checkpoint", Attempt = r.Attempt, Step = r.Step, Location = r.Location, Sha256 = r.Sha256, Bytes = r.Bytes, CreatedAt = r.CreatedAt,
    }); }, (r, error) => Emit(new RunnerMessage
    {
        Kind = "checkpoint_corrupt", Attempt = r.Attempt, Step = r.Step, Location = r.Location, Sha256 = r.Sha256, Bytes = r.Bytes,
        CreatedAt = r.CreatedAt, Error = error,
    }), (step, error) => Emit(new RunnerMessage { Kind = "checkpoint_save_failed", Attempt = attempt, Step = step, Error = error }));
    var progress = new SyncProgress(p => Emit(new RunnerMessage
    {
        Kind = "progress", Epoch = p.Epoch, Step = p.Step, TotalSteps = p.TotalSteps, TrainLoss = p.TrainLoss, ValLoss = p.ValLoss,
        MoleculesPerSecond = p.MoleculesPerSecond, EpochEnd = p.EpochEnd,
    }));
    opts.TryGetValue("export", out var exportDir);
    var data = TrialData.Load(spec);
    var trainer = new Trainer(spec, data, new TrainerOptions
    {
        Store = reporting, TrialId = trialId, Attempt = attempt, Progress = progress, Log = Console.Error,
        Threads = opts.TryGetValue("threads", out var t) ? int.Parse(t) : Environment.ProcessorCount,
        MetricsDirectory = exportDir,
        EngineFactory = DeviceSelection.For(spec.Device),
    });
    var result = await trainer.RunAsync(cts.Token);
    if (exportDir is not null)
    {
        await EmbeddingExporter.ExportAsync(trainer, data, exportDir, ct: cts.Token);
        WriteAtomic(Path.Combine(exportDir, "result.json"), JsonSerializer.Serialize(result, RunnerMessage.Json));
    }
    WriteAtomic(Need("result"), JsonSerializer.Serialize(result, RunnerMessage.Json));
    return RunnerExitCodes.Ok;
}
catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"trial-runner: error: {e.Message}");
    return RunnerExitCodes.BadInput;
}
catch (Exception e) when (StorageErrors.IsUnreachable(e))
{
    Console.Error.WriteLine($"trial-runner: checkpoint storage unreachable: {e.GetType().Name}: {StorageErrors.FirstLine(e)}");
    return RunnerExitCodes.StorageUnreachable;
}
catch (Exception e)
{
    // The trainer's own failure. Caught here so it exits 1 instead of aborting (134, which reads as a crash signal).
    Console.Error.WriteLine($"trial-runner: failed: {e.GetType().Name}: {StorageErrors.FirstLine(e)}");
    Console.Error.WriteLine(e);
    return RunnerExitCodes.TrialError;
}

static void WriteAtomic(string path, string text)
{
    File.WriteAllText(path + ".tmp", text);
    File.Move(path + ".tmp", path, overwrite: true);
}

/// <summary>Reports synchronously on the trainer's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
