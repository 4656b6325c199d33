using EquiGrid.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EquiGrid.Grains.Trials;

/// <summary>
/// One trial's fenced state machine. Every worker call carries the attempt number its lease was granted with; the
/// grain accepts it only while that attempt still holds an unexpired lease. A lapsed lease is noticed lazily (on the
/// next call) or by the scheduler's scan, and sends the trial back to the queue with its checkpoints intact.
/// </summary>
public sealed class TrialGrain(
    [PersistentState("trial", GrainStorage.Name)] IPersistentState<TrialGrainState> state,
    IOptions<SchedulingOptions> options,
    ILogger<TrialGrain> logger) : Grain, ITrialGrain
{
    private TrialGrainState S => state.State;
    private string Id => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Config is not null) ClusterTelemetry.SetTrialState(Id, S.Status);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ClusterTelemetry.ForgetTrial(Id);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task Initialize(string studyId, TrialSpec config, int maxAttempts, string? submitTrace = null)
    {
        if (S.Config is not null)
        {
            if (S.StudyId != studyId || !S.Config.Equals(config))
                throw new ArgumentException($"trial {Id} already exists with a different configuration");
            return;
        }
        S.SubmitTrace = submitTrace;
        S.StudyId = studyId;
        S.Config = config;
        S.MaxAttempts = maxAttempts;
        S.Status = TrialStatus.Queued;
        await SaveAsync();
    }

    /// <inheritdoc />
    public async Task<TrialLease?> TryLease(string node, TimeSpan duration)
    {
        await ExpireIfLapsedCore();
        if (S.Config is null || S.Status != TrialStatus.Queued) return null;
        S.Attempt++;
        S.Status = TrialStatus.Leased;
        S.Node = node;
        S.LeaseExpiresAt = DateTimeOffset.UtcNow + duration;
        S.AttemptStartedAt = DateTimeOffset.UtcNow;
        S.AttemptStartStep = S.Checkpoints.Count > 0 ? S.Checkpoints[0].Step : 0;
        S.Error = null;
        S.NotBefore = null;
        await SaveAsync();
        logger.LogInformation("Trial {Trial} leased to {Node} as attempt {Attempt}", Id, node, S.Attempt);
        return new TrialLease(Id, S.StudyId!, S.Attempt, S.Config, S.Checkpoints.ToList(), S.LeaseExpiresAt.Value, S.SubmitTrace);
    }

    /// <inheritdoc />
    public async Task<ReportAck> Renew(int attempt, TimeSpan duration)
    {
        var ack = await CheckFence(attempt);
        if (ack != ReportAck.Accepted) return ack;
        S.LeaseExpiresAt = DateTimeOffset.UtcNow + duration;
        await state.WriteStateAsync();
        return ReportAck.Accepted;
    }

    /// <inheritdoc />
    public async Task<ReportAck> ReportProgress(int attempt, TrainingProgress progress)
    {
        var ack = await CheckFence(attempt);
        if (ack != ReportAck.Accepted) return ack;
        S.LastProgress = progress;
        S.Status = TrialStatus.Running;
        if (progress is { EpochEnd: true, ValLoss: { } val })
        {
            // A resumed attempt may repeat an epoch the previous attempt already reported: keep one record per epoch.
            S.History.RemoveAll(h => h.Epoch >= progress.Epoch);
            S.History.Add(new EpochMetrics(progress.Epoch, progress.TrainLoss, val, progress.EpochSeconds ?? 0));
            if (progress.EpochSeconds is { } sec) ClusterTelemetry.EpochDuration.Record(sec);
        }
        if (progress.MoleculesPerSecond > 0) ClusterTelemetry.MoleculesPerSecond.Record(progress.MoleculesPerSecond);
        ClusterTelemetry.ProgressReports.Add(1);
        await SaveAsync();
        return ReportAck.Accepted;
    }

    /// <inheritdoc />
    public async Task<ReportAck> CommitCheckpoint(int attempt, CheckpointRef checkpoint)
    {
        var ack = await CheckFence(attempt);
        if (ack != ReportAck.Accepted) return ack;
        if (checkpoint.Attempt != attempt) throw new ArgumentException($"checkpoint of attempt {checkpoint.Attempt} committed by attempt {attempt}");
        S.Checkpoints.RemoveAll(c => c.Location == checkpoint.Location);
        S.Checkpoints.Insert(0, checkpoint);
        S.Checkpoints = S.Checkpoints.OrderByDescending(c => c.Step).ThenByDescending(c => c.Attempt)
            .Take(Math.Max(1, options.Value.CheckpointsKept)).ToList();
        S.Status = TrialStatus.Checkpointed;
        ClusterTelemetry.CheckpointBytes.Record(checkpoint.Bytes);
        await SaveAsync();
        return ReportAck.Accepted;
    }

    /// <inheritdoc />
    public async Task<ReportAck> Complete(int attempt, TrialResult outcome)
    {
        if (S.Status == TrialStatus.Completed)
        {
            if (S.CompletedAttempt != attempt) return ReportAck.AlreadyFinished;
            // A repeat of this attempt's completion is a retry after an error the worker saw (e.g. storage down during
            // the first write): write and notify again, so the completion is certainly stored.
            await SaveAsync();
            await NotifyTerminal();
            return ReportAck.Accepted;
        }
        var ack = await CheckFence(attempt);
        if (ack != ReportAck.Accepted) return ack;
        S.Status = TrialStatus.Completed;
        S.CompletedAttempt = attempt;
        S.Outcome = outcome;
        S.LeaseExpiresAt = null;
        await SaveAsync();
        logger.LogInformation("Trial {Trial} completed by attempt {Attempt} on {Node}: test MAE {Mae} eV", Id, attempt, S.Node, outcome.TestMaeEv);
        await NotifyTerminal();
        return ReportAck.Accepted;
    }

    /// <inheritdoc />
    public async Task<ReportAck> Fail(int attempt, string error, FailureKind kind = FailureKind.Trial)
    {
        var ack = await CheckFence(attempt);
        if (ack != ReportAck.Accepted) return ack;
        logger.LogWarning("Trial {Trial} attempt {Attempt} failed ({Kind}): {Error}", Id, attempt, kind, error);
        await EndAttempt(error, kind);
        return ReportAck.Accepted;
    }

    /// <inheritdoc />
    public async Task<ReportAck> Release(int attempt, string reason)
    {
        var ack = await CheckFence(attempt);
        if (ack != ReportAck.Accepted) return ack;
        logger.LogInformation("Trial {Trial}: attempt {Attempt} on {Node} released its lease: {Reason}", Id, attempt, S.Node, reason);
        await EndAttempt(reason, FailureKind.Infrastructure, backoff: false);
        return ReportAck.Accepted;
    }

    /// <inheritdoc />
    public async Task<bool> Retry()
    {
        if (S.Config is null) throw new ArgumentException($"trial {Id} does not exist");
        if (S.Status != TrialStatus.Failed) return false;
        logger.LogInformation("Trial {Trial} re-queued by a retry after: {Error}", Id, S.Error);
        S.Status = TrialStatus.Queued;
        S.TrialFailures = 0;
        S.InfrastructureFailures = 0;
        S.NotBefore = null;
        S.Error = null;
        await SaveAsync();
        return true;
    }

    /// <inheritdoc />
    public async Task<TrialSnapshot> ExpireIfLapsed()
    {
        await ExpireIfLapsedCore();
        return Snapshot();
    }

    /// <inheritdoc />
    public async Task Cancel()
    {
        if (S.Config is null || S.Status.IsTerminal()) return;
        S.Status = TrialStatus.Cancelled;
        S.LeaseExpiresAt = null;
        await SaveAsync();
        await NotifyTerminal();
    }

    /// <inheritdoc />
    public Task<TrialSnapshot> GetSnapshot()
    {
        if (S.Config is null) throw new ArgumentException($"trial {Id} does not exist");
        // Read-only on purpose: a lapsed lease is re-queued by the scheduler's scan or the next report, never by a read,
        // so status and trials answer while grain storage is unreachable.
        return Task.FromResult(Snapshot());
    }

    private TrialSnapshot Snapshot()
    {
        double? eta = null;
        if (S.Status.IsHeld() && S.LastProgress is { TotalSteps: > 0 } p && S.AttemptStartedAt is { } started)
        {
            var done = p.Step - S.AttemptStartStep;
            var elapsed = (DateTimeOffset.UtcNow - started).TotalSeconds;
            if (done > 0 && elapsed > 0) eta = (p.TotalSteps - p.Step) * elapsed / done;
        }
        return new TrialSnapshot
        {
            TrialId = Id, StudyId = S.StudyId!, Config = S.Config!, Status = S.Status, Attempt = S.Attempt, Node = S.Node,
            LeaseExpiresAt = S.LeaseExpiresAt, LastProgress = S.LastProgress, LatestCheckpoint = S.Checkpoints.FirstOrDefault(),
            History = S.History.ToList(), Outcome = S.Outcome, Error = S.Error, AttemptStartedAt = S.AttemptStartedAt,
            MaxAttempts = S.MaxAttempts, EtaSeconds = eta, TrialFailures = S.TrialFailures,
            InfrastructureFailures = S.InfrastructureFailures, NotBefore = S.Status == TrialStatus.Queued ? S.NotBefore : null,
        };
    }

    /// <summary>The fence: only the current attempt, holding an unexpired lease, may report.</summary>
    private async Task<ReportAck> CheckFence(int attempt)
    {
        if (S.Config is null) throw new ArgumentException($"trial {Id} does not exist");
        await ExpireIfLapsedCore();
        ReportAck ack = S.Status switch
        {
            TrialStatus.Cancelled => ReportAck.Cancelled,
            TrialStatus.Completed or TrialStatus.Failed => ReportAck.AlreadyFinished,
            _ when !S.Status.IsHeld() || attempt != S.Attempt => ReportAck.Stale,
            _ => ReportAck.Accepted,
        };
        if (ack == ReportAck.Stale)
        {
            ClusterTelemetry.StaleReports.Add(1);
            logger.LogWarning("Trial {Trial}: refused a report from attempt {Attempt} (current attempt {Current}, status {Status})", Id, attempt, S.Attempt, S.Status);
        }
        return ack;
    }

    private async Task ExpireIfLapsedCore()
    {
        if (!S.Status.IsHeld() || S.LeaseExpiresAt is not { } expiry || expiry > DateTimeOffset.UtcNow) return;
        ClusterTelemetry.LeasesLapsed.Add(1);
        logger.LogWarning("Trial {Trial}: lease of attempt {Attempt} on {Node} lapsed at {Expiry:O}", Id, S.Attempt, S.Node, expiry);
        await EndAttempt($"lease of attempt {S.Attempt} on {S.Node} lapsed", FailureKind.Infrastructure);
    }

    /// <summary>
    /// Ends the current attempt without a result. Trial errors use up the attempt budget, bad input fails at once,
    /// infrastructure failures are counted apart (high cap) and delay the next lease by an exponential backoff.
    /// </summary>
    private async Task EndAttempt(string reason, FailureKind kind, bool backoff = true)
    {
        S.LeaseExpiresAt = null;
        S.NotBefore = null;
        ClusterTelemetry.FailedAttempts.Add(1, new KeyValuePair<string, object?>("kind", kind switch
        {
            FailureKind.BadInput => "bad_input", FailureKind.Trial => "trial", _ => "infrastructure",
        }), new KeyValuePair<string, object?>("study", S.StudyId));
        string? giveUp = null;
        switch (kind)
        {
            case FailureKind.BadInput:
                S.TrialFailures++;
                giveUp = $"bad input, not retried (attempt {S.Attempt}): {reason}";
                break;
            case FailureKind.Trial:
                S.TrialFailures++;
                if (S.TrialFailures >= S.MaxAttempts)
                    giveUp = $"gave up after {S.TrialFailures} attempts that failed (infrastructure interruptions not counted: {S.InfrastructureFailures}); last: {reason}";
                break;
            default:
                S.InfrastructureFailures++;
                if (S.InfrastructureFailures >= options.Value.MaxInfrastructureFailures)
                    giveUp = $"gave up after {S.InfrastructureFailures} infrastructure failures (lease lapsed, node lost, runner killed, storage unreachable); last: {reason}";
                else if (backoff)
                    S.NotBefore = DateTimeOffset.UtcNow + InfrastructureBackoff(S.InfrastructureFailures);
                break;
        }
        if (giveUp is not null)
        {
            S.Status = TrialStatus.Failed;
            S.Error = giveUp;
            ClusterTelemetry.TrialsFailed.Add(1, new KeyValuePair<string, object?>("study", S.StudyId));
            await SaveAsync();
            await NotifyTerminal();
            return;
        }
        S.Error = reason;
        S.Status = TrialStatus.Queued;
        await SaveAsync();
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).TrialChanged(Id, TrialStatus.Queued, S.Attempt, S.NotBefore);
    }

    /// <summary>Base backoff doubled per infrastructure failure after the first, capped.</summary>
    private TimeSpan InfrastructureBackoff(int failures)
    {
        var o = options.Value;
        var factor = Math.Pow(2, Math.Min(failures - 1, 20));
        return TimeSpan.FromTicks((long)Math.Min(o.InfrastructureBackoff.Ticks * factor, o.MaxInfrastructureBackoff.Ticks));
    }

    private async Task NotifyTerminal()
    {
        // One-way calls: a trial never waits on its study or the scheduler (they call trials; waiting back could deadlock).
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).TrialChanged(Id, S.Status, S.Attempt);
        await GrainFactory.GetGrain<IStudyGrain>(S.StudyId!).TrialFinished(new StudyTableRow
        {
            TrialId = Id, Spec = S.Config!, Status = S.Status, Attempts = S.Attempt, Result = S.Outcome, Error = S.Error,
        });
    }

    private Task SaveAsync()
    {
        ClusterTelemetry.SetTrialState(Id, S.Status);
        return state.WriteStateAsync();
    }
}
