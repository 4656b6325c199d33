using EquiGrid.Grains.Studies;
using EquiGrid.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EquiGrid.Grains.Studies;

/// <summary>
/// A study: validates and expands its grid, creates the trial grains, queues them with the scheduler and keeps the
/// study table. Trials report terminal states one-way; reading the study also reconciles rows with the trials, so a
/// lost notification (a silo crash between the trial's write and its message) never loses a result.
/// </summary>
public sealed class StudyGrain(
    [PersistentState("study", GrainStorage.Name)] IPersistentState<StudyGrainState> state,
    IOptions<SchedulingOptions> options,
    ILogger<StudyGrain> logger) : Grain, IStudyGrain
{
    private StudyGrainState S => state.State;
    private string Id => this.GetPrimaryKeyString();
    // Finished trials' rows are written behind (see TrialFinished); true while some are only in memory.
    private bool _unsaved;
    private IGrainTimer? _persistTimer;

    /// <summary>How long a finished trial's row may wait in memory before the study table is written.</summary>
    private static readonly TimeSpan PersistDelay = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public async Task<StudySnapshot> Submit(StudyDefinition definition)
    {
        using var activity = ClusterTelemetry.Source.StartActivity("study.submit");
        activity?.SetTag("equigrid.study", Id);
        if (definition.Id != Id) throw new ArgumentException($"study: definition id '{definition.Id}' submitted to study '{Id}'");
        var trials = StudyValidator.Validate(definition);
        activity?.SetTag("equigrid.trials", trials.Count);
        if (S.Definition is not null)
        {
            if (Difference(S.Definition, definition, trials) is { } difference)
                throw new ArgumentException($"study: '{Id}' already exists with {difference}; choose a new study id (or keep the stored file)");
            if (S.Status == StudyStatus.Cancelled) return await GetSnapshot();
        }
        else
        {
            S.Definition = definition;
            S.Priority = definition.Priority;
            S.Status = StudyStatus.Running;
            S.SubmittedAt = DateTimeOffset.UtcNow;
            S.TrialIds = trials.Select(t => t.TrialId).ToList();
            S.Rows = trials.ToDictionary(t => t.TrialId, t => new StudyTableRow { TrialId = t.TrialId, Spec = t.Config, Status = TrialStatus.Queued });
            await state.WriteStateAsync();
        }
        // Initialise and enqueue every time (both idempotent): a re-submission heals a submit interrupted by a crash.
        foreach (var chunk in trials.Chunk(64))
            await Task.WhenAll(chunk.Select(t => GrainFactory.GetGrain<ITrialGrain>(t.TrialId).Initialize(Id, t.Config, definition.MaxAttempts, activity?.Id)));
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey)
            .Enqueue(Id, S.Priority, trials.Select(t => t.TrialId).ToList(), trials.Select(t => t.Config).ToList());
        logger.LogInformation("Study {Study} submitted: {Trials} trials", Id, trials.Count);
        return Snapshot();
    }

    /// <summary>
    /// What a re-submission changes in what runs (the trials, their fields, the attempt budget), in words; null when
    /// nothing. Description, priority and claims do not change a trial.
    /// </summary>
    private static string? Difference(StudyDefinition stored, StudyDefinition given, IReadOnlyList<ExpandedTrial> trials)
    {
        var existing = StudyExpansion.Expand(stored);
        if (stored.MaxAttempts != given.MaxAttempts) return $"max_attempts {stored.MaxAttempts} (the file gives {given.MaxAttempts})";
        if (existing.Count != trials.Count) return $"{existing.Count} trials (the file gives {trials.Count})";
        var (was, now) = existing.Zip(trials).FirstOrDefault(p => p.First.TrialId != p.Second.TrialId || !p.First.Config.Equals(p.Second.Config));
        if (was is null) return null;
        if (was.TrialId != now.TrialId) return $"other trials (stored {was.TrialId}, the file gives {now.TrialId})";
        var old = TrialFields.Values(was.Config).ToDictionary(kv => kv.Key, kv => kv.Value);
        var fields = TrialFields.Values(now.Config).Where(kv => old[kv.Key] != kv.Value).Select(kv => $"{kv.Key} {old[kv.Key] ?? "unset"}, the file gives {kv.Value ?? "unset"}");
        return $"other trial fields ({was.TrialId}: {string.Join("; ", fields.DefaultIfEmpty("extra fields differ"))})";
    }

    /// <inheritdoc />
    public async Task<StudySnapshot> GetSnapshot()
    {
        if (S.Definition is not null && S.Status == StudyStatus.Running) await Reconcile();
        return Snapshot();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> Retry(string? trialId = null)
    {
        if (S.Definition is null) throw new ArgumentException($"study '{Id}' does not exist; submit it first");
        if (S.Status == StudyStatus.Cancelled) throw new ArgumentException($"study '{Id}' was cancelled; submit it under a new id to run it again");
        List<string> targets;
        if (trialId is not null)
        {
            var full = trialId.Contains('/') ? trialId : $"{Id}/{trialId}";
            if (!S.Rows.ContainsKey(full)) throw new ArgumentException($"trial '{trialId}' is not in study '{Id}' (equigrid trials {Id} lists them)");
            targets = [full];
        }
        else targets = S.TrialIds;
        // The trials are the authority on which failed (a row may lag behind its trial).
        var retried = new List<string>();
        foreach (var chunk in targets.Chunk(64))
        {
            var answers = await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<ITrialGrain>(id).Retry()));
            retried.AddRange(chunk.Where((_, i) => answers[i]));
        }
        if (trialId is not null && retried.Count == 0)
        {
            var status = (await GrainFactory.GetGrain<ITrialGrain>(targets[0]).GetSnapshot()).Status;
            throw new ArgumentException($"trial '{trialId}' is {status.ToString().ToLowerInvariant()}; only failed trials can be retried");
        }
        if (retried.Count == 0) return retried;
        foreach (var id in retried) S.Rows[id] = S.Rows[id] with { Status = TrialStatus.Queued, Error = null, Result = null };
        S.Status = StudyStatus.Running;
        S.FinishedAt = null;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey)
            .Enqueue(Id, S.Priority, retried, retried.Select(id => S.Rows[id].Spec).ToList());
        logger.LogInformation("Study {Study}: {Count} failed trial(s) re-queued by a retry", Id, retried.Count);
        return retried;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrialSnapshot>> GetTrials()
    {
        if (S.Definition is null) throw new ArgumentException($"study '{Id}' does not exist; submit it first");
        var snapshots = await Task.WhenAll(S.TrialIds.Select(id => GrainFactory.GetGrain<ITrialGrain>(id).GetSnapshot().WaitAsync(options.Value.CallTimeout)));
        Absorb(snapshots);
        return snapshots;
    }

    /// <inheritdoc />
    public async Task<StudySnapshot> Cancel()
    {
        if (S.Definition is null) throw new ArgumentException($"study '{Id}' does not exist");
        if (S.Status != StudyStatus.Running) return Snapshot();
        S.Status = StudyStatus.Cancelled;
        S.FinishedAt = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).CancelStudy(Id);
        var open = S.Rows.Values.Where(r => !r.Status.IsTerminal()).Select(r => r.TrialId).ToList();
        await Task.WhenAll(open.Select(id => GrainFactory.GetGrain<ITrialGrain>(id).Cancel()));
        foreach (var id in open) S.Rows[id] = S.Rows[id] with { Status = TrialStatus.Cancelled };
        await state.WriteStateAsync();
        logger.LogInformation("Study {Study} cancelled; {Open} unfinished trials cancelled", Id, open.Count);
        return Snapshot();
    }

    /// <inheritdoc />
    public async Task SetPriority(int priority)
    {
        if (S.Definition is null) throw new ArgumentException($"study '{Id}' does not exist");
        if (priority is < -1000 or > 1000) throw new ArgumentException($"priority: {priority} must be in -1000..1000");
        S.Priority = priority;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).SetPriority(Id, priority);
    }

    /// <inheritdoc />
    public async Task TrialFinished(StudyTableRow row)
    {
        if (S.Definition is null || !S.Rows.TryGetValue(row.TrialId, out var old)) return;
        if (old.Status.IsTerminal() && old.Status == row.Status) return;
        S.Rows[row.TrialId] = row;
        RecordUtilisation(row);
        UpdateStatus();
        if (S.Status != StudyStatus.Running)
        {
            await state.WriteStateAsync(); // the study's end is written at once
            _unsaved = false;
            return;
        }
        // The table of a 10^5-trial study is megabytes: rewriting it for every finished trial would cap the cluster's
        // dispatch rate. Rows are written behind, at most once per PersistDelay; one lost in a crash heals when the
        // study is next read (Reconcile asks the trials, which hold the result).
        _unsaved = true;
        _persistTimer ??= this.RegisterGrainTimer(PersistUnsaved, new GrainTimerCreationOptions(PersistDelay, PersistDelay) { Interleave = false });
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unsaved) await PersistUnsaved(cancellationToken);
    }

    private async Task PersistUnsaved(CancellationToken ct)
    {
        if (!_unsaved) return;
        try
        {
            _unsaved = false;
            await state.WriteStateAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unsaved = true;
            logger.LogWarning("Study {Study}: could not write finished trials' rows yet (retrying): {Message}", Id, e.Message);
        }
    }

    private async Task Reconcile()
    {
        var open = S.Rows.Values.Where(r => !r.Status.IsTerminal()).Select(r => r.TrialId).ToList();
        if (open.Count == 0) { UpdateStatus(); return; }
        var snapshots = await Task.WhenAll(open.Select(id => GrainFactory.GetGrain<ITrialGrain>(id).GetSnapshot().WaitAsync(options.Value.CallTimeout)));
        Absorb(snapshots);
    }

    /// <summary>
    /// Brings rows up to date with their trials, in memory only: reads never write, so they answer while grain storage
    /// is unreachable. A lost TrialFinished notification is healed in every read's answer, and stored with the
    /// study's next write (trials are the authority either way).
    /// </summary>
    private void Absorb(IEnumerable<TrialSnapshot> snapshots)
    {
        foreach (var t in snapshots)
        {
            if (!S.Rows.TryGetValue(t.TrialId, out var row)) continue;
            if (row.Status == t.Status && row.Attempts == t.Attempt) continue;
            if (row.Status.IsTerminal()) continue;
            S.Rows[t.TrialId] = row with { Status = t.Status, Attempts = t.Attempt, Result = t.Outcome, Error = t.Error };
            if (t.Status.IsTerminal()) RecordUtilisation(S.Rows[t.TrialId]);
        }
        UpdateStatus();
    }

    private void UpdateStatus()
    {
        if (S.Status != StudyStatus.Running || S.Rows.Values.Any(r => !r.Status.IsTerminal())) return;
        S.Status = S.Rows.Values.All(r => r.Status == TrialStatus.Completed) ? StudyStatus.Completed : StudyStatus.CompletedWithFailures;
        S.FinishedAt = DateTimeOffset.UtcNow;
        logger.LogInformation("Study {Study} finished: {Status}", Id, S.Status);
    }

    private static void RecordUtilisation(StudyTableRow row)
    {
        // The trial runner computed the summary next to the model; each block's variance share is exported per l.
        if (row.Result?.Utilisation is not { } summary) return;
        foreach (var block in summary.Blocks)
            if (block.VarianceShare is { } share)
                ClusterTelemetry.Utilisation.Record(share, new KeyValuePair<string, object?>("l", block.L.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, object?>("lset", row.Spec.LSet));
    }

    private StudySnapshot Snapshot() => new()
    {
        StudyId = Id, Status = S.Status, Definition = S.Definition, Priority = S.Priority,
        Rows = S.TrialIds.Select(id => S.Rows[id]).ToList(), SubmittedAt = S.SubmittedAt, FinishedAt = S.FinishedAt,
    };
}
