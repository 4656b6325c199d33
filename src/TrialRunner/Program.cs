using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Checkpoints;
using EquiGrid.Kernels;
using EquiGrid.Training;
using EquiGrid.Training.Gpu;
using EquiGrid.TrialRunner;

// Runs ONE trial attempt in its own process, so a native crash or OOM costs an attempt, never the silo. The worker
// (Silo/Worker/TrialWorker.cs) writes the attempt file (RunnerAttempt: trial, attempt, spec, the grain's checkpoints),
// reads the protocol lines this process writes on stdout (RunnerMessage) and the result file at exit 0.
// --export DIR: after training, the trial's analysis folder (result.json, metrics.jsonl, embeddings/) goes to DIR,
// computed here where the model is ("analysis runs where the data is").
// `measure`: trains a few steps of a trial on one GPU with the ILGPU engine and writes its rate (one "measured" line);
// the worker measures each CUDA device this way at its start, so a driver crash or hang costs the measurement only.
var attemptFile = new Option<FileInfo>("--attempt") { Description = "The attempt file (RunnerAttempt JSON) the worker wrote", Required = true };
var storeOption = new Option<string>("--store") { Description = "Checkpoint store: file:DIR, or blob:CONTAINER with EQUIGRID_BLOB_CONNECTION set", Required = true };
var resultFile = new Option<FileInfo>("--result") { Description = "Where the TrialResult JSON goes", Required = true };
var parentPid = new Option<int?>("--parent-pid") { Description = "Exit when this process (the silo) exits" };
var threadsOption = new Option<int>("--threads") { Description = "Torch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
var exportOption = new Option<DirectoryInfo?>("--export") { Description = "Write the trial's analysis folder here" };
// Ctrl+C in a terminal signals the whole foreground process group, this child included: the worker decides when an
// attempt stops (it kills the child and hands the lease back), so the runner ignores SIGINT. It still stops when its
// silo dies (--parent-pid) and on SIGTERM/SIGKILL.
using var ignoreCtrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);

var trialFile = new Option<FileInfo>("--trial") { Description = "The trial to measure (TrialSpec JSON; the worker writes its reference trial)", Required = true };
var acceleratorOption = new Option<string>("--accelerator")
{
    Description = "cuda: a CUDA device; cpu: ILGPU's CPU accelerator standing in for one (tests, dry runs)", DefaultValueFactory = _ => MeasureAccelerators.Cuda,
}.AcceptOnlyFromAmong(MeasureAccelerators.Cuda, MeasureAccelerators.Cpu);
var deviceIndexOption = new Option<int>("--device-index") { Description = "Which device of the accelerator kind (CUDA devices in ILGPU's order)", DefaultValueFactory = _ => 0 };
var stepsOption = new Option<int>("--steps") { Description = "Timed training steps, after one warm-up step", DefaultValueFactory = _ => 4 };
var measure = new Command("measure", """
    Measures one device's training rate: trains the trial for a warm-up step and --steps timed steps with the ILGPU
    engine and writes one {"kind":"measured","molecules_per_second":N,"device":"..."} line on stdout (exit 0)
    """)
{
    trialFile, acceleratorOption, deviceIndexOption, stepsOption, threadsOption, parentPid,
};
measure.SetAction((parse, ct) => Guarded(async () =>
{
    int steps = parse.GetValue(stepsOption), threads = parse.GetValue(threadsOption), index = parse.GetValue(deviceIndexOption);
    if (steps < 1) throw new ArgumentException($"--steps {steps}: give at least 1 timed step");
    if (threads < 1) throw new ArgumentException($"--threads {threads}: give at least 1 thread");
    var trial = ContractJson.Read<TrialSpec>(parse.GetValue(trialFile)!.FullName).Validate();
    WatchParent(parse.GetValue(parentPid));
    await MeasureTestFault.ApplyAsync();
    using var device = OpenDevice(parse.GetValue(acceleratorOption)!, index);
    double rate = await TrainingRate.MeasureAsync(trial, threads,
        (model, _) => new IlgpuTrainingEngine(model, device, ownsAccelerator: false), steps, ct);
    if (!(rate > 0) || !double.IsFinite(rate)) throw new InvalidOperationException($"the measurement reported no usable rate ({rate} molecules/s)");
    Console.Out.WriteLine(ContractJson.Serialize(RunnerMessage.Measured(rate, device.Name)));
    Console.Out.Flush();
    return RunnerExitCodes.Ok;
}));

var root = new RootCommand("EquiGrid trial runner: trains one attempt of one trial, or measures a device (started by a silo's worker)")
{
    attemptFile, storeOption, resultFile, parentPid, threadsOption, exportOption, measure,
};
root.SetAction((parse, ct) => Guarded(async () =>
{
    var attempt = ContractJson.Read<RunnerAttempt>(parse.GetValue(attemptFile)!.FullName);
    var store = OpenStore(parse.GetValue(storeOption)!);
    // If the silo dies (even by SIGKILL) the attempt must stop too: its lease will lapse and another node resumes it.
    WatchParent(parse.GetValue(parentPid));
    var stdout = Console.Out;
    var gate = new object();
    void Emit(RunnerMessage m) { lock (gate) { stdout.WriteLine(ContractJson.Serialize(m)); stdout.Flush(); } }
    var exportDir = parse.GetValue(exportOption)?.FullName;
    var data = TrialData.Load(attempt.Spec);
    var trainer = new Trainer(attempt.Spec, data, new TrainerOptions
    {
        // Only the trial's own checkpoints move its pointer; the models kept for export_at live under sibling keys.
        Store = new ReportingCheckpointStore(store, r => { if (r.TrialId == attempt.TrialId) Emit(RunnerMessage.Of(r)); },
            (r, error) => Emit(RunnerMessage.Corrupt(r, error)),
            (step, error) => Emit(RunnerMessage.SaveFailed(attempt.Attempt, step, error))),
        ResumeFrom = attempt.ResumeFrom,
        TrialId = attempt.TrialId, Attempt = attempt.Attempt,
        Progress = new SyncProgress(p => Emit(RunnerMessage.Of(p))), Log = Console.Error,
        Threads = parse.GetValue(threadsOption), MetricsDirectory = exportDir,
        EngineFactory = DeviceSelection.For(attempt.Spec.Device),
    });
    var result = await trainer.RunAsync(ct);
    if (exportDir is not null)
    {
        await EmbeddingExporter.ExportAsync(trainer, data, exportDir, ct: ct);
        result = result with { Utilisation = Utilisation(exportDir) };
        ContractJson.Write(Path.Combine(exportDir, "result.json"), result);
    }
    ContractJson.Write(parse.GetValue(resultFile)!.FullName, result);
    return RunnerExitCodes.Ok;
}));
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"trial-runner: error: {error.Message}");
    return RunnerExitCodes.BadInput;
}
// No cancellation on SIGINT/SIGTERM from the parser: SIGINT is ignored above, SIGTERM ends the process as before.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

// Runs a mode and turns its exceptions into the exit codes the worker reads (RunnerExitCodes).
static async Task<int> Guarded(Func<Task<int>> mode)
{
    try
    {
        return await mode();
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
}

// The silo that started this process: when it exits (even by SIGKILL) this process exits too, so a dead silo leaves
// no training (or measuring) behind.
static void WatchParent(int? parentPid)
{
    if (parentPid is not { } ppid) return;
    var parent = Process.GetProcessById(ppid);
    _ = Task.Run(async () => { await parent.WaitForExitAsync(); Environment.Exit(RunnerExitCodes.ParentGone); });
}

// The device the measure mode trains on; a device that cannot be opened is refused like bad input (exit 2).
static KernelAccelerator OpenDevice(string accelerator, int index)
{
    if (accelerator == MeasureAccelerators.Cpu)
    {
        if (index != 0) throw new ArgumentException($"--device-index {index}: ILGPU's CPU accelerator has device 0 only");
        return KernelAccelerator.CreateCpu();
    }
    try { return KernelAccelerator.CreateCuda(index); }
    catch (InvalidOperationException e) { throw new ArgumentException($"--device-index {index}: {e.Message}", e); }
}

// The trial's utilisation summary (shares, ranks, structure scores, ablation; PHATE is left to the report, which draws
// the figures from the pulled embeddings), computed here next to the exported embeddings, written as utilisation.json
// and returned inside the result, so the study grain can aggregate it.
// A failed analysis leaves the summary out (the trained model and its export are still the attempt's result) and says why.
static UtilisationSummary? Utilisation(string exportDir)
{
    void Log(string line) => Console.Error.WriteLine($"trial-runner: analyze: {line}");
    try
    {
        var trial = new TrialDirectory(exportDir);
        return trial.Analyze(trial.AttachNsps(trial.LoadEmbeddings(), computeFromSmiles: true, Log), new AnalyzeOptions { RunPhate = false }, Log).Summary;
    }
    catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException or IOException)
    {
        Log($"no utilisation summary: {e.Message}");
        return null;
    }
}

static ICheckpointStore OpenStore(string store) =>
    store.StartsWith("file:", StringComparison.Ordinal) ? new DirectoryCheckpointStore(store[5..])
    : store.StartsWith("blob:", StringComparison.Ordinal)
        ? new BlobCheckpointStore(Environment.GetEnvironmentVariable("EQUIGRID_BLOB_CONNECTION")
                                  ?? throw new ArgumentException("EQUIGRID_BLOB_CONNECTION is not set"), store[5..])
        : throw new ArgumentException($"--store '{store}': use file:DIR or blob:CONTAINER");

/// <summary>Reports synchronously on the trainer's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
