using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using EquiGrid.Grains.Telemetry;
using EquiGrid.Silo.Hosting;
using EquiGrid.Silo.Results;
using EquiGrid.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The worker of one silo: pulls leases from the scheduler, runs each attempt in a child process
/// (EquiGrid.TrialRunner), relays its progress and checkpoints to the trial grain, renews the lease with every
/// heartbeat, and kills the child the moment the trial grain refuses a report (lease lost, cancelled).
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
    private int _busySlots; // reserved before an attempt starts, so the loop never over-leases
    private WorkerSettings W => workerOptions.Value;
    // Registered on the cluster profile only: there the analysis folder must leave this node (see docs/cluster.md).
    private readonly IResultsStore? _results = services.GetService<IResultsStore>();

    private sealed record RunningAttempt(TrialLease Lease, Process Process);

    /// <summary>This node's capabilities.</summary>
    public NodeCapabilities Capabilities => new()
    {
        Name = W.NodeName ?? $"{Environment.MachineName}-{silo.SiloPort}",
        Cores = Environment.ProcessorCount,
        MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        Slots = Math.Max(1, W.Slots),
        BenchScore = W.BenchScore,
    };

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
        var caps = Capabilities;
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        var heartbeatEvery = scheduling.Value.LeaseDuration / 3;
        var lastBeat = DateTime.MinValue;
        logger.LogInformation("Worker {Node} started: {Slots} slot(s), runner {Runner}", caps.Name, caps.Slots, RunnerPath());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                WithToken();
                if (DateTime.UtcNow - lastBeat >= heartbeatEvery)
                {
                    lastBeat = DateTime.UtcNow;
                    await Heartbeat(caps);
                }
                if (Volatile.Read(ref _busySlots) < caps.Slots && await scheduler.Lease(caps) is { } lease)
                {
                    Interlocked.Increment(ref _busySlots);
                    _ = RunAttemptInSlot(lease, stoppingToken);
                    continue; // ask again at once while slots are free
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Worker loop: {Message}", e.Message);
            }
            try { await Task.Delay(W.PollInterval, stoppingToken); } catch (OperationCanceledException) { break; }
        }
        foreach (var r in _running.Values) Kill(r.Process);
    }

    private async Task Heartbeat(NodeCapabilities caps)
    {
        await grains.GetGrain<INodeGrain>(caps.Name).Heartbeat(caps, _running.Keys.ToList());
        foreach (var (trialId, run) in _running)
        {
            var ack = await grains.GetGrain<ITrialGrain>(trialId).Renew(run.Lease.Attempt, scheduling.Value.LeaseDuration);
            if (ack != ReportAck.Accepted) Stop(run, $"lease renewal refused ({ack})");
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
        using var activity = ClusterTelemetry.Source.StartActivity("trial.attempt", ActivityKind.Internal, parentContext: default);
        activity?.SetTag("equigrid.trial", lease.TrialId);
        activity?.SetTag("equigrid.attempt", lease.Attempt);
        var trial = grains.GetGrain<ITrialGrain>(lease.TrialId);
        var dir = Path.Combine(W.WorkDir ?? Path.Combine(Path.GetTempPath(), "equigrid-work"), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var specPath = Path.Combine(dir, "spec.json");
        var resultPath = Path.Combine(dir, "result.json");
        await File.WriteAllTextAsync(specPath, JsonSerializer.Serialize(TrialSpecs.From(lease.Config), RunnerMessage.Json), stoppingToken);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     RunnerPath(), "--spec", specPath, "--trial-id", lease.TrialId, "--attempt", lease.Attempt.ToString(),
                     "--store", StoreArgument(), "--result", resultPath, "--parent-pid", Environment.ProcessId.ToString(),
                     "--threads", (W.Threads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, W.Slots))).ToString(),
                 }) psi.ArgumentList.Add(a);
        // Trial ids are "STUDY/TRIAL-NAME": the folder is RESULTS/STUDY/TRIAL-NAME. With a results store and no
        // ResultsDir the folder is attempt scratch, deleted with the attempt once uploaded.
        var trialName = lease.TrialId.Split('/')[^1];
        var exportDir = W.ResultsDir is { } results ? Path.Combine(results, lease.StudyId, trialName)
            : _results is not null ? Path.Combine(dir, "export", trialName)
            : null;
        if (exportDir is not null)
        {
            psi.ArgumentList.Add("--export");
            psi.ArgumentList.Add(exportDir);
        }
        if (silo.BlobConnectionString is { } blob) psi.Environment["EQUIGRID_BLOB_CONNECTION"] = blob;
        var stderrTail = new ConcurrentQueue<string>();
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Exception e)
        {
            await trial.Fail(lease.Attempt, $"could not start the trial runner: {e.Message}");
            return;
        }
        var run = new RunningAttempt(lease, process);
        _running[lease.TrialId] = run;
        logger.LogInformation("Attempt {Attempt} of {Trial} started (pid {Pid})", lease.Attempt, lease.TrialId, process.Id);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stderrTail.Enqueue(e.Data);
            while (stderrTail.Count > 20) stderrTail.TryDequeue(out string? _);
        };
        process.BeginErrorReadLine();
        try
        {
            var epochClock = Stopwatch.StartNew();
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync(stoppingToken)) is not null)
            {
                if (!line.StartsWith('{')) continue;
                RunnerMessage? m;
                try { m = JsonSerializer.Deserialize<RunnerMessage>(line, RunnerMessage.Json); } catch (JsonException) { continue; }
                if (m is null) continue;
                if (m.Kind == "checkpoint_failed")
                {
                    ClusterTelemetry.CheckpointFailures.Add(1, new KeyValuePair<string, object?>("reason", m.Reason));
                    logger.LogWarning("Attempt {Attempt} of {Trial}: checkpoint {Reason} failure: {Error}", lease.Attempt, lease.TrialId, m.Reason, m.Error);
                    continue;
                }
                WithToken();
                ReportAck ack;
                if (m.Kind == "checkpoint")
                {
                    using var ck = ClusterTelemetry.Source.StartActivity("trial.checkpoint");
                    ck?.SetTag("equigrid.step", m.Step);
                    ack = await trial.CommitCheckpoint(lease.Attempt, new CheckpointPointer(m.Attempt, m.Step, m.Location!, m.Sha256!, m.Bytes, m.CreatedAt));
                }
                else
                {
                    double? seconds = null;
                    if (m.EpochEnd)
                    {
                        seconds = epochClock.Elapsed.TotalSeconds;
                        epochClock.Restart();
                        using var ep = ClusterTelemetry.Source.StartActivity("trial.epoch");
                        ep?.SetTag("equigrid.epoch", m.Epoch);
                        ep?.SetTag("equigrid.val_loss", m.ValLoss);
                    }
                    ack = await trial.ReportProgress(lease.Attempt, new ProgressReport(m.Epoch, m.Step, m.TotalSteps, m.TrainLoss, m.ValLoss, m.MoleculesPerSecond, m.EpochEnd, seconds));
                }
                if (ack != ReportAck.Accepted) { Stop(run, $"report refused ({ack})"); break; }
            }
            await process.WaitForExitAsync(stoppingToken);
            WithToken();
            if (process.ExitCode == 0 && File.Exists(resultPath))
            {
                var result = JsonSerializer.Deserialize<TrialResult>(await File.ReadAllTextAsync(resultPath, stoppingToken), RunnerMessage.Json)!;
                // A trial is reported complete only once its analysis folder is stored: a failed upload fails the
                // attempt, so the trial is retried rather than completed without the files its report needs.
                if (_results is not null && !await UploadResults(lease, trial, trialName, exportDir!, stoppingToken)) return;
                using var done = ClusterTelemetry.Source.StartActivity("trial.complete");
                var ack = await trial.Complete(lease.Attempt, TrialSpecs.Outcome(result, activity?.Duration ?? TimeSpan.Zero));
                logger.LogInformation("Attempt {Attempt} of {Trial} finished: {Ack}", lease.Attempt, lease.TrialId, ack);
            }
            else if (!stoppingToken.IsCancellationRequested)
            {
                var tail = string.Join(" | ", stderrTail.TakeLast(5));
                await trial.Fail(lease.Attempt, $"trial runner exited with {process.ExitCode}: {tail}");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Kill(process); // shutting down: the lease lapses and another node resumes from the checkpoint
        }
        catch (Exception e)
        {
            logger.LogWarning("Attempt {Attempt} of {Trial}: {Message}", lease.Attempt, lease.TrialId, e.Message);
            Kill(process);
        }
        finally
        {
            _running.TryRemove(lease.TrialId, out _);
            process.Dispose();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private async Task<bool> UploadResults(TrialLease lease, ITrialGrain trial, string trialName, string exportDir, CancellationToken ct)
    {
        using var up = ClusterTelemetry.Source.StartActivity("trial.upload_results");
        // A stale attempt (lease lapsed, trial re-leased elsewhere) must not overwrite the live attempt's folder: the
        // renewal both checks the fence and buys a full lease for the upload.
        if (await trial.Renew(lease.Attempt, scheduling.Value.LeaseDuration) is var ack && ack != ReportAck.Accepted)
        {
            logger.LogWarning("Attempt {Attempt} of {Trial}: not uploading its analysis folder, the lease is gone ({Ack})", lease.Attempt, lease.TrialId, ack);
            return false;
        }
        try
        {
            if (MetricsLogCompletion.Complete(exportDir) is > 0 and var added)
                logger.LogInformation("Attempt {Attempt} of {Trial}: metrics.jsonl completed with {Epochs} epoch(s) from before the resume", lease.Attempt, lease.TrialId, added);
            var sent = await _results!.UploadTrialAsync(lease.StudyId, trialName, exportDir, ct);
            logger.LogInformation("Attempt {Attempt} of {Trial}: analysis folder uploaded ({Files} files, {Bytes} bytes)", lease.Attempt, lease.TrialId, sent.Files, sent.Bytes);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning("Attempt {Attempt} of {Trial}: analysis upload failed: {Message}", lease.Attempt, lease.TrialId, e.Message);
            WithToken();
            await trial.Fail(lease.Attempt, $"uploading the analysis folder to results/{lease.StudyId}/{trialName}/ failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    private void Stop(RunningAttempt run, string why)
    {
        logger.LogWarning("Stopping attempt {Attempt} of {Trial}: {Why}", run.Lease.Attempt, run.Lease.TrialId, why);
        Kill(run.Process);
    }

    private static void Kill(Process p)
    {
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    private void WithToken()
    {
        if (silo.Token is { } token) RequestContext.Set(ClusterToken.RequestContextKey, token);
    }

    private string StoreArgument() => silo.Profile == "cluster"
        ? "blob:" + silo.BlobContainer
        : "file:" + Path.Combine(silo.DataDir, "checkpoints");

    private string RunnerPath()
    {
        var path = W.RunnerPath ?? Path.Combine(AppContext.BaseDirectory, "EquiGrid.TrialRunner.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"trial runner not found at {path}; set EquiGrid:Worker:RunnerPath", path);
        return path;
    }
}
