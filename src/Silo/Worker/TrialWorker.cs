using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using EquiGrid.Grains.Telemetry;
using EquiGrid.Silo.Hosting;
using EquiGrid.Silo.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The worker of one silo: pulls leases from the scheduler, runs each attempt in a child process
/// (EquiGrid.TrialRunner), relays its progress and checkpoints to the trial grain and keeps its lease renewed. Calls to
/// the trial grain that fail transiently (grain storage or a silo unreachable) are retried while the child keeps
/// training, for as long as the lease can still be valid; the child is killed only when the lease is really lost
/// (a report refused by the fence, or no renewal got through for a whole lease period).
/// </summary>
public sealed class TrialWorker(
    IGrainFactory grains,
    SiloSettings silo,
    IOptions<WorkerSettings> workerOptions,
    IOptions<SchedulingOptions> scheduling,
    IHostApplicationLifetime lifetime,
    ILogger<TrialWorker> logger,
    IServiceProvider services) : BackgroundService
{
    private readonly ConcurrentDictionary<string, RunningAttempt> _running = new();
    private readonly ConcurrentDictionary<Task, bool> _attempts = new();
    private int _busySlots; // reserved before an attempt starts, so the loop never over-leases
    private WorkerSettings W => workerOptions.Value;
    private TimeSpan LeaseDuration => scheduling.Value.LeaseDuration;
    // Registered on the cluster profile only: there the analysis folder must leave this node (see docs/cluster.md).
    private readonly IResultsStore? _results = services.GetService<IResultsStore>();
    private readonly ResiliencePipeline _retry = GrainCallRetry.Create(logger);

    // Declared in configuration, or the CPU and the GPUs (their reference rates filled in once measured; see StartAccelerators).
    private volatile IReadOnlyList<AcceleratorInfo> _accelerators = [];

    /// <summary>This node's capabilities, with its accelerators.</summary>
    public NodeCapabilities Capabilities => NodeAccelerators.Describe(new()
    {
        Name = W.NodeName ?? $"{Environment.MachineName}-{silo.SiloPort}",
        Cores = Environment.ProcessorCount,
        MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        Slots = Math.Max(1, W.Slots),
        BenchScore = W.BenchScore,
    }, _accelerators);

    /// <summary>
    /// Declared accelerators, or the CPU and the GPUs found (<see cref="IGpuDevices"/>: CUDA devices unless the host
    /// registers another), each measured in the background, one after the other (the worker leases meanwhile;
    /// heartbeats carry each rate once known): the CPU in this process, each GPU in a child process
    /// (<see cref="GpuMeasurement"/>), so that a crash or hang of the GPU driver cannot take the silo down. A GPU whose
    /// child fails or times out stays at rate 0 (unknown) with one warning. A bad setting stops the silo with the key
    /// and the fix.
    /// </summary>
    private void StartAccelerators(CancellationToken stoppingToken)
    {
        var declared = NodeAccelerators.Declared(W.Accelerators);
        if (declared.Count > 0) { _accelerators = declared; return; }
        if (W.MeasureSteps < 1) throw new ArgumentException($"EquiGrid:Worker:MeasureSteps: {W.MeasureSteps} must be at least 1, e.g. {NodeAccelerators.MeasureSteps}");
        if (!(W.MeasureTimeoutSeconds > 0))
            throw new ArgumentException($"EquiGrid:Worker:MeasureTimeoutSeconds: {W.MeasureTimeoutSeconds} must be a positive number of seconds, e.g. {WorkerSettings.DefaultMeasureTimeoutSeconds}");
        // Undeclared nodes report their CPU and every GPU found (trials with device auto|gpu use the first one).
        var devices = services.GetService<IGpuDevices>() ?? CudaGpuDevices.Instance;
        var gpus = NodeAccelerators.Detected(devices.List()).ToArray();
        var cpu = NodeAccelerators.Cpu(0);
        _accelerators = [cpu, .. gpus];
        if (!(W.MeasureThroughput ?? silo.Profile == "cluster")) return;
        int threads = W.Threads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, W.Slots));
        _ = Task.Run(async () =>
        {
            // One at a time: a GPU's host side shares the cores with the CPU measurement, so together both would read low.
            try
            {
                double rate = await NodeAccelerators.MeasureCpuAsync(threads, W.MeasureSteps, stoppingToken);
                cpu = NodeAccelerators.Cpu(rate);
                _accelerators = [cpu, .. gpus];
                logger.LogInformation("Worker: the CPU trains the reference trial at {Rate:F1} molecules/s ({Threads} threads)", rate, threads);
            }
            catch (OperationCanceledException) { return; /* the silo is stopping */ }
            catch (Exception e)
            {
                logger.LogWarning("Worker: could not measure the CPU's training rate; reporting it as unknown: {Message}", e.Message);
            }
            for (int i = 0; i < gpus.Length; i++)
            {
                // In a child process: a driver crash there costs this measurement, not the silo; a hang is cut off.
                int index = i;
                GpuMeasureOutcome outcome;
                try
                {
                    outcome = await GpuMeasurement.RunAsync(new GpuMeasureRequest
                    {
                        RunnerPath = RunnerPath(), Accelerator = devices.Accelerator, DeviceIndex = index, Trial = devices.Trial,
                        Threads = threads, Steps = W.MeasureSteps, Timeout = TimeSpan.FromSeconds(W.MeasureTimeoutSeconds),
                        WorkDir = Path.Combine(WorkRoot(Capabilities.Name), $"gpu-measure-{index}-{Guid.NewGuid():N}"),
                    }, line => logger.LogInformation("Measuring GPU {Index}: {Line}", index, line), stoppingToken);
                }
                catch (OperationCanceledException) { return; }
                catch (Exception e)
                {
                    outcome = new GpuMeasureOutcome(0, null, e.Message, null); // no runner, or no work folder
                }
                if (outcome.Failure is { } why)
                {
                    logger.LogWarning("Worker: could not measure GPU {Index} ({Name}); reporting its rate as unknown (0): {Cause}", index, gpus[index].Name, why);
                    continue;
                }
                gpus[index] = NodeAccelerators.Measured(gpus[index], outcome.MoleculesPerSecond);
                _accelerators = [cpu, .. gpus];
                logger.LogInformation("Worker: GPU {Index} ({Name}) trains the reference trial at {Rate:F1} molecules/s (ILGPU, {Device}, measured in pid {Pid})",
                    index, gpus[index].Name, outcome.MoleculesPerSecond, outcome.Device, outcome.Pid);
            }
        }, stoppingToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!W.Enabled) return;
        // Lease nothing before the silo has joined the cluster (grain calls would only be retried).
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; } catch (OperationCanceledException) { return; }
        }
        // Leftovers first: the GPU measurements write their trial files under the same folder.
        RemoveLeftoverWork(Capabilities.Name);
        StartAccelerators(stoppingToken);
        var caps = Capabilities;
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        await ReleaseLeasesOfPreviousIncarnation(scheduler, caps.Name, stoppingToken);
        var heartbeatEvery = LeaseDuration / 3;
        var lastBeat = DateTime.MinValue;
        logger.LogInformation("Worker {Node} started: {Slots} slot(s), runner {Runner}", caps.Name, caps.Slots, RunnerPath());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                WithToken();
                caps = Capabilities; // a measurement may have finished since
                if (DateTime.UtcNow - lastBeat >= heartbeatEvery)
                {
                    lastBeat = DateTime.UtcNow;
                    await grains.GetGrain<INodeGrain>(caps.Name).Heartbeat(caps, _running.Keys.ToList());
                }
                if (Volatile.Read(ref _busySlots) < caps.Slots && await scheduler.Lease(caps) is { } lease)
                {
                    Interlocked.Increment(ref _busySlots);
                    var task = RunAttemptInSlot(lease, stoppingToken);
                    _attempts[task] = true;
                    _ = task.ContinueWith(t => _attempts.TryRemove(t, out _), TaskScheduler.Default);
                    continue; // ask again at once while slots are free
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Worker loop: {Message}", GrainCallRetry.FirstLine(e));
            }
            try { await Task.Delay(W.PollInterval, stoppingToken); } catch (OperationCanceledException) { break; }
        }
        // Stopping: each attempt kills its child and hands its lease back while the silo is still up (the worker is
        // stopped before the silo), so the trial resumes at once elsewhere or at the next start.
        await Task.WhenAll(_attempts.Keys);
    }

    /// <summary>
    /// Attempt folders left by a previous run of this node (a SIGKILLed silo cannot clean up): the node name is unique
    /// among the service's live nodes and the folder is per service (<see cref="WorkerSettings.WorkRoot"/>), so nothing
    /// else uses it.
    /// </summary>
    private void RemoveLeftoverWork(string node)
    {
        var root = WorkRoot(node);
        if (!Directory.Exists(root)) return;
        int removed = 0;
        foreach (var d in Directory.EnumerateDirectories(root))
        {
            try { Directory.Delete(d, true); removed++; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { logger.LogWarning("Could not remove leftover attempt folder {Dir}: {Message}", d, e.Message); }
        }
        if (removed > 0) logger.LogInformation("Removed {Count} leftover attempt folder(s) of a previous run under {Root}", removed, root);
    }

    private async Task ReleaseLeasesOfPreviousIncarnation(ISchedulerGrain scheduler, string node, CancellationToken ct)
    {
        try
        {
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
            patience.CancelAfter(LeaseDuration);
            var released = await _retry.ExecuteAsync(async _ => { WithToken(); return await scheduler.NodeStarted(node); }, patience.Token);
            if (released > 0) logger.LogInformation("Node {Node}: released {Count} lease(s) its previous run still held", node, released);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Not fatal: those leases then lapse on their own.
            logger.LogWarning("Node {Node}: could not release the leases of its previous run: {Message}", node, GrainCallRetry.FirstLine(e));
        }
    }

    private async Task RunAttemptInSlot(TrialLease lease, CancellationToken stoppingToken)
    {
        try { await RunAttempt(lease, stoppingToken); }
        catch (Exception e) { logger.LogError(e, "Attempt {Attempt} of {Trial} crashed in the worker", lease.Attempt, lease.TrialId); }
        finally { Interlocked.Decrement(ref _busySlots); }
    }

    private async Task RunAttempt(TrialLease lease, CancellationToken stoppingToken)
    {
        using var activity = ClusterTelemetry.StartAttempt(lease);
        var node = Capabilities.Name;
        var dir = Path.Combine(WorkRoot(node), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        using var run = new RunningAttempt(lease, grains.GetGrain<ITrialGrain>(lease.TrialId), LeaseDuration);
        try
        {
            await RunChild(run, dir, stoppingToken);
        }
        finally
        {
            _running.TryRemove(lease.TrialId, out _);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private async Task RunChild(RunningAttempt run, string dir, CancellationToken stoppingToken)
    {
        var lease = run.Lease;
        var attemptPath = Path.Combine(dir, "attempt.json");
        var resultPath = Path.Combine(dir, "result.json");
        // The grain's committed checkpoints travel with the spec: the grain's pointer, not a listing of the store,
        // decides what the attempt resumes from.
        ContractJson.Write(attemptPath, new RunnerAttempt { TrialId = lease.TrialId, Attempt = lease.Attempt, Spec = lease.Config, ResumeFrom = lease.Checkpoints });
        // Trial ids are "STUDY/TRIAL-NAME": the folder is RESULTS/STUDY/TRIAL-NAME. With a results store and no
        // ResultsDir the folder is attempt scratch, deleted with the attempt once uploaded.
        var trialName = lease.TrialId.Split('/')[^1];
        var exportDir = W.ResultsDir is { } results ? Path.Combine(results, lease.StudyId, trialName)
            : _results is not null ? Path.Combine(dir, "export", trialName)
            : null;
        ProcessStartInfo psi;
        try
        {
            psi = StartInfo(attemptPath, resultPath, exportDir);
            run.Process = Process.Start(psi)!;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FileNotFoundException or InvalidOperationException)
        {
            // This node cannot run trials (runner missing, no dotnet): not the trial's fault.
            await Report(run, "fail", t => t.Fail(lease.Attempt, $"could not start the trial runner on {Capabilities.Name}: {e.Message}", FailureKind.Infrastructure));
            return;
        }
        var process = run.Process;
        _running[lease.TrialId] = run;
        logger.LogInformation("Attempt {Attempt} of {Trial} started (pid {Pid})", lease.Attempt, lease.TrialId, process.Id);
        var stderrTail = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            // The runner's diagnostics reach the silo's log for every attempt, not only failed ones.
            logger.LogInformation("Runner {Trial}#{Attempt}: {Line}", lease.TrialId, lease.Attempt, e.Data);
            stderrTail.Enqueue(e.Data);
            while (stderrTail.Count > 20) stderrTail.TryDequeue(out string? _);
        };
        process.BeginErrorReadLine();

        // Reading the child's stdout never waits on a grain call: messages queue up while reports are retried, so a
        // storage blip does not stall (or kill) the training.
        var messages = Channel.CreateUnbounded<RunnerMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = ReadMessages(process, messages.Writer, stoppingToken);
        var sender = SendMessages(run, messages.Reader);
        var keeper = KeepLease(run, stoppingToken);
        try
        {
            try
            {
                await process.WaitForExitAsync(stoppingToken);
                await reader;
                await sender;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The silo is stopping: stop the child and hand the lease back, so the trial resumes from its checkpoint
                // at once (elsewhere, or here at the next start) instead of waiting for the lease to lapse. Not a failure.
                run.Lose("the node is shutting down");
                try { await sender; } catch (Exception) { /* its reports end with the attempt */ }
                await ReleaseOnShutdown(run);
                return;
            }
            if (run.LostWhy is { } lost)
            {
                logger.LogWarning("Attempt {Attempt} of {Trial} stopped: {Why}", lease.Attempt, lease.TrialId, lost);
                return; // the lease is gone (or going): another attempt owns the trial, nothing to report
            }
            if (process.ExitCode == RunnerExitCodes.Ok && File.Exists(resultPath))
            {
                var result = ContractJson.Read<TrialResult>(resultPath);
                // A trial is reported complete only once its analysis folder is stored: a failed upload fails the
                // attempt, so the trial is retried rather than completed without the files its report needs.
                if (_results is not null && !await UploadResults(run, trialName, exportDir!, stoppingToken)) return;
                using var done = ClusterTelemetry.Source.StartActivity("trial.complete");
                var ack = await Report(run, "completion", t => t.Complete(lease.Attempt, result));
                logger.LogInformation("Attempt {Attempt} of {Trial} finished: {Ack}", lease.Attempt, lease.TrialId, ack?.ToString() ?? "lease lost before the completion got through");
                return;
            }
            var kind = RunnerExitClassifier.Classify(process.ExitCode);
            var tail = string.Join(" | ", stderrTail.TakeLast(5));
            var error = $"trial runner exited with {RunnerExitClassifier.Describe(process.ExitCode)} on {Capabilities.Name}: {tail}";
            await Report(run, "failure", t => t.Fail(lease.Attempt, error, kind));
        }
        finally
        {
            // The lease is renewed until the attempt is fully reported (upload and completion included).
            run.Finished();
            RunnerProcess.Kill(process);
            try { await keeper; } catch (OperationCanceledException) { }
        }
    }

    private ProcessStartInfo StartInfo(string attemptPath, string resultPath, string? exportDir)
    {
        var psi = RunnerProcess.StartInfo(RunnerPath(),
            "--attempt", attemptPath, "--store", StoreArgument(), "--result", resultPath,
            "--threads", (W.Threads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, W.Slots))).ToString());
        if (exportDir is not null)
        {
            psi.ArgumentList.Add("--export");
            psi.ArgumentList.Add(exportDir);
        }
        if (silo.BlobConnectionString is { } blob) psi.Environment["EQUIGRID_BLOB_CONNECTION"] = blob;
        return psi;
    }

    private static async Task ReadMessages(Process process, ChannelWriter<RunnerMessage> writer, CancellationToken ct)
    {
        try
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(ct)) is not null)
                if (RunnerMessage.TryParse(line) is { } m) writer.TryWrite(m);
        }
        finally { writer.TryComplete(); }
    }

    /// <summary>Relays the child's messages in order; a plain progress report superseded by a newer message is skipped.</summary>
    private async Task SendMessages(RunningAttempt run, ChannelReader<RunnerMessage> reader)
    {
        var lease = run.Lease;
        await foreach (var m in reader.ReadAllAsync())
        {
            if (run.LostWhy is not null) continue; // drain: the child is being killed
            ReportAck? ack;
            switch (m)
            {
                case { Kind: RunnerMessage.CheckpointKind, Checkpoint: { } checkpoint }:
                {
                    using var ck = ClusterTelemetry.Source.StartActivity("trial.checkpoint");
                    ck?.SetTag("equigrid.step", checkpoint.Step);
                    ack = await Report(run, "checkpoint", t => t.CommitCheckpoint(lease.Attempt, checkpoint));
                    break;
                }
                case { Kind: RunnerMessage.CheckpointSaveFailedKind }:
                    ClusterTelemetry.CheckpointSaveFailures.Add(1);
                    logger.LogWarning("Attempt {Attempt} of {Trial} could not save its checkpoint at step {Step}: {Error}", lease.Attempt, lease.TrialId, m.Step, m.Error);
                    continue;
                case { Kind: RunnerMessage.CheckpointCorruptKind, Checkpoint: { } corrupt }:
                    ClusterTelemetry.CorruptCheckpoints.Add(1);
                    logger.LogWarning("Attempt {Attempt} of {Trial} skipped corrupt checkpoint {Location} (step {Step}, attempt {CheckpointAttempt}): {Error}",
                        lease.Attempt, lease.TrialId, corrupt.Location, corrupt.Step, corrupt.Attempt, m.Error);
                    continue;
                case { Kind: RunnerMessage.ProgressKind, Progress: { } progress }:
                {
                    if (!progress.EpochEnd && reader.TryPeek(out _)) continue; // a newer message is already waiting
                    if (progress.EpochEnd)
                    {
                        using var ep = ClusterTelemetry.Source.StartActivity("trial.epoch");
                        ep?.SetTag("equigrid.epoch", progress.Epoch);
                        ep?.SetTag("equigrid.val_loss", progress.ValLoss);
                    }
                    ack = await Report(run, "progress", t => t.ReportProgress(lease.Attempt, progress));
                    break;
                }
                default:
                    continue;
            }
            if (ack is { } a && a != ReportAck.Accepted) run.Lose($"{m.Kind} report refused ({a})");
        }
    }

    /// <summary>Renews the lease every third of its duration; each renewal that gets through moves the local deadline.</summary>
    private async Task KeepLease(RunningAttempt run, CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, run.Done);
        while (true)
        {
            await Task.Delay(LeaseDuration / 3, stop.Token);
            var ack = await Report(run, "renewal", t => t.Renew(run.Lease.Attempt, LeaseDuration));
            if (ack is { } a && a != ReportAck.Accepted) run.Lose($"lease renewal refused ({a})");
            if (run.LostWhy is not null) return;
        }
    }

    /// <summary>
    /// One call to the attempt's trial grain, retried through transient failures until the lease is certainly lost;
    /// null when it never got through. A renewal that gets through extends the local deadline.
    /// </summary>
    private async Task<ReportAck?> Report(RunningAttempt run, string what, Func<ITrialGrain, Task<ReportAck>> call)
    {
        try
        {
            var sent = DateTime.UtcNow;
            var ack = await _retry.ExecuteAsync(async _ => { WithToken(); return await call(run.Trial); }, run.LeaseValid);
            if (ack == ReportAck.Accepted && what == "renewal") run.RenewedAt(sent);
            return ack;
        }
        catch (OperationCanceledException) when (run.LeaseValid.IsCancellationRequested)
        {
            run.Lose($"the trial grain could not be reached ({what}) before the lease ran out");
            return null;
        }
    }

    private async Task ReleaseOnShutdown(RunningAttempt run)
    {
        try
        {
            WithToken();
            var ack = await run.Trial.Release(run.Lease.Attempt, $"node {Capabilities.Name} is shutting down").WaitAsync(TimeSpan.FromSeconds(5));
            logger.LogInformation("Attempt {Attempt} of {Trial}: lease handed back on shutdown ({Ack})", run.Lease.Attempt, run.Lease.TrialId, ack);
        }
        catch (Exception e)
        {
            logger.LogInformation("Attempt {Attempt} of {Trial}: could not hand the lease back on shutdown, it will lapse: {Message}",
                run.Lease.Attempt, run.Lease.TrialId, GrainCallRetry.FirstLine(e));
        }
    }

    private async Task<bool> UploadResults(RunningAttempt run, string trialName, string exportDir, CancellationToken ct)
    {
        var lease = run.Lease;
        using var up = ClusterTelemetry.Source.StartActivity("trial.upload_results");
        // A stale attempt (lease lapsed, trial re-leased elsewhere) must not overwrite the live attempt's folder: the
        // renewal both checks the fence and buys a full lease for the upload.
        var ack = await Report(run, "renewal", t => t.Renew(lease.Attempt, LeaseDuration));
        if (ack != ReportAck.Accepted)
        {
            logger.LogWarning("Attempt {Attempt} of {Trial}: not uploading its analysis folder, the lease is gone ({Ack})", lease.Attempt, lease.TrialId, ack?.ToString() ?? "unreachable");
            return false;
        }
        try
        {
            var sent = await _results!.UploadTrialAsync(lease.StudyId, trialName, exportDir, ct);
            logger.LogInformation("Attempt {Attempt} of {Trial}: analysis folder uploaded ({Files} files, {Bytes} bytes)", lease.Attempt, lease.TrialId, sent.Files, sent.Bytes);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning("Attempt {Attempt} of {Trial}: analysis upload failed: {Message}", lease.Attempt, lease.TrialId, e.Message);
            // Storage trouble, not the trial's: retried after a backoff without using up an attempt.
            await Report(run, "failure", t => t.Fail(lease.Attempt,
                $"uploading the analysis folder to results/{lease.StudyId}/{trialName}/ failed: {e.GetType().Name}: {e.Message}", FailureKind.Infrastructure));
            return false;
        }
    }

    private void WithToken()
    {
        if (silo.Token is { } token) RequestContext.Set(ClusterToken.RequestContextKey, token);
    }

    private string WorkRoot(string node) => W.WorkRoot(silo.ServiceId, node);

    private string StoreArgument() => silo.Profile == "cluster"
        ? "blob:" + silo.BlobContainer
        : "file:" + Path.Combine(silo.DataDir, "checkpoints");

    private string RunnerPath()
    {
        var path = W.RunnerPath ?? Path.Combine(AppContext.BaseDirectory, "EquiGrid.TrialRunner.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"trial runner not found at {path}; set EquiGrid:Worker:RunnerPath", path);
        return path;
    }

    /// <summary>
    /// One running attempt and what the worker knows about its lease: <see cref="LeaseValid"/> fires once no renewal
    /// has got through for a whole lease period (the lease is then certainly lost) or a report was refused.
    /// </summary>
    private sealed class RunningAttempt : IDisposable
    {
        private readonly CancellationTokenSource _leaseValid = new();
        private readonly CancellationTokenSource _done = new();
        private readonly TimeSpan _duration;
        private string? _lostWhy;

        public RunningAttempt(TrialLease lease, ITrialGrain trial, TimeSpan duration)
        {
            Lease = lease;
            Trial = trial;
            _duration = duration;
            // The lease was granted just now for a full period (the local clock: no trust in clock agreement).
            _leaseValid.CancelAfter(duration);
        }

        public TrialLease Lease { get; }
        public ITrialGrain Trial { get; }
        public Process Process { get; set; } = null!;
        public CancellationToken LeaseValid => _leaseValid.Token;
        public CancellationToken Done => _done.Token;
        public string? LostWhy => Volatile.Read(ref _lostWhy);

        /// <summary>A renewal sent at <paramref name="sent"/> was accepted: the lease holds until a period after that.</summary>
        public void RenewedAt(DateTime sent)
        {
            var left = sent + _duration - DateTime.UtcNow;
            try { if (left > TimeSpan.Zero) _leaseValid.CancelAfter(left); } catch (ObjectDisposedException) { }
        }

        /// <summary>The lease is gone: stop the child, report nothing more.</summary>
        public void Lose(string why)
        {
            if (Interlocked.CompareExchange(ref _lostWhy, why, null) is not null) return;
            try { _leaseValid.Cancel(); } catch (ObjectDisposedException) { }
            if (Process is { } p) RunnerProcess.Kill(p);
        }

        /// <summary>The child exited and its messages were relayed: the renewals stop.</summary>
        public void Finished()
        {
            try { _done.Cancel(); } catch (ObjectDisposedException) { }
        }

        public void Dispose()
        {
            _leaseValid.Dispose();
            _done.Dispose();
            Process?.Dispose();
        }
    }
}
