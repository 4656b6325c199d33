using EquiGrid.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// The cluster's scheduler. Workers pull: <see cref="Lease"/> picks a study (highest priority first; among equal
/// priorities the one with the fewest running trials, then the least recently served: fair share) and the first of
/// its queued trials the node may take (<see cref="Placement"/>), then asks the trial grain for a lease (the trial grain
/// is the authority; the scheduler only keeps an index). A grain timer, kept alive across restarts by a reminder,
/// re-queues lapsed leases.
/// <para>
/// Why it is fast at any queue size: the index lives in memory (<see cref="DispatchIndex"/>); what is persisted is
/// incremental. Trials are recorded durably once, in queue shards of at most <see cref="ShardSize"/> (before they can
/// be leased), and dropped from their shard in batches after they finish; a lease writes nothing here, because the
/// trial grain persists it. After a restart the index is rebuilt from the shards, and a trial that turns out to be
/// leased or finished is settled with its grain on first contact. The grain is reentrant, so lease requests from many
/// workers overlap while each waits on its trial grain; every index change happens between awaits.
/// </para>
/// </summary>
[Reentrant]
public sealed class SchedulerGrain(
    [PersistentState("scheduler", GrainStorage.Name)] IPersistentState<SchedulerGrainState> state,
    IOptions<SchedulingOptions> options,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain, IRemindable
{
    /// <summary>Trials per queue shard: a shard write stays a few tens of KB however long the queue.</summary>
    public const int ShardSize = 1000;

    /// <summary>Trials one lease request tries at most (each a trial-grain call) before answering "nothing now".</summary>
    private const int MaxTriesPerLease = 32;

    private readonly DispatchIndex _index = new();
    private readonly Dictionary<string, NodeRecord> _nodes = [];
    /// <summary>Shard number of every live trial.</summary>
    private readonly Dictionary<string, int> _shardOf = [];
    /// <summary>Finished trials not yet removed from their shards, by (study, shard).</summary>
    private readonly Dictionary<(string Study, int Shard), List<string>> _finished = [];
    /// <summary>Serialises every write of this grain's state and of the shards (the grain is reentrant).</summary>
    private readonly SemaphoreSlim _persist = new(1, 1);
    /// <summary>When each node's worker last (re)started: leases it held from before are gone.</summary>
    private readonly Dictionary<string, DateTimeOffset> _nodeStarts = [];
    private bool _scanning;

    private SchedulerGrainState S => state.State;
    private SchedulingOptions O => options.Value;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Restore();
        this.RegisterGrainTimer(_ => Tick(), new GrainTimerCreationOptions(O.ScanInterval, O.ScanInterval) { Interleave = true, KeepAlive = true });
        try
        {
            await this.RegisterOrUpdateReminder("scan-leases", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception e) when (e is InvalidOperationException or OrleansException)
        {
            logger.LogWarning("No reminder service: lapsed leases are scanned only while the scheduler is active ({Message})", e.Message);
        }
    }

    /// <inheritdoc />
    public Task ReceiveReminder(string reminderName, TickStatus status) => Tick();

    /// <inheritdoc />
    public async Task Enqueue(string studyId, int priority, IReadOnlyList<string> trialIds, IReadOnlyList<TrialSpec> configs)
    {
        if (trialIds.Count != configs.Count) throw new ArgumentException("trial ids and configs differ in length");
        await _persist.WaitAsync();
        try
        {
            bool newStudy = !S.Studies.TryGetValue(studyId, out var record);
            if (record is null)
            {
                S.Studies[studyId] = record = new StudyRecord { Priority = priority };
                _index.SetStudy(studyId, priority);
            }
            if (record.Cancelled) return;
            var seen = new HashSet<string>();
            var fresh = new List<QueuedTrial>();
            for (int i = 0; i < trialIds.Count; i++)
            {
                var id = trialIds[i];
                if (_shardOf.ContainsKey(id) || !seen.Add(id)) continue;
                fresh.Add(new QueuedTrial(id, TrialTicket.For(studyId, TrialResourceEstimate.For(configs[i], TrialResourceEstimate.ParseDevice(configs[i].Device))), _index.NextSequence()));
            }
            if (fresh.Count == 0 && !newStudy) return;
            var shards = fresh.Chunk(ShardSize).Select(chunk => (Number: record.NextShard++, Trials: chunk)).ToList();
            record.Shards.AddRange(shards.Select(s => s.Number));
            // The study record names the shards before they are written: a crash in between leaves a name with no
            // record (read back as empty), never trials no record names.
            await state.WriteStateAsync();
            await Task.WhenAll(shards.Select(s => Shard(studyId, s.Number).Add(s.Trials)));
            // Only now may they be leased: a trial is never handed out before it is durably queued.
            foreach (var (number, chunk) in shards)
                foreach (var t in chunk)
                {
                    _shardOf[t.TrialId] = number;
                    _index.Add(t.TrialId, t.Ticket, t.Sequence);
                }
        }
        finally
        {
            _persist.Release();
        }
    }

    /// <inheritdoc />
    public async Task<TrialLease?> Lease(NodeCapabilities node)
    {
        var now = DateTimeOffset.UtcNow;
        _nodes[node.Name] = new NodeRecord(node, now);
        var view = new PlacementView(LiveNodes(now), _index.LeasesOn);
        using var activity = ClusterTelemetry.Source.StartActivity("scheduler.lease");
        activity?.SetTag("equigrid.node", node.Name);
        var unanswered = new List<string>();
        try
        {
            for (int tries = 0; tries < MaxTriesPerLease; tries++)
            {
                var trialId = _index.Pick(node, view, DateTimeOffset.UtcNow);
                if (trialId is null) return null;
                var trial = GrainFactory.GetGrain<ITrialGrain>(trialId);
                TrialLease? lease;
                try
                {
                    lease = await trial.TryLease(node.Name, O.LeaseDuration).WaitAsync(O.CallTimeout);
                }
                catch (Exception e) when (e is TimeoutException or OrleansException)
                {
                    logger.LogWarning("Trial {Trial} did not answer a lease request: {Message}", trialId, e.Message);
                    unanswered.Add(trialId);
                    continue;
                }
                if (lease is null)
                {
                    // Not queued any more: held by a lease this index does not know (it was rebuilt after a restart),
                    // finished, or backing off. Ask the trial once and file it where it belongs.
                    if (!await Settle(trialId)) unanswered.Add(trialId);
                    continue;
                }
                _index.RecordLease(trialId, new LeaseRecord(lease.StudyId, node.Name, lease.Attempt, lease.ExpiresAt), granted: true);
                ClusterTelemetry.LeasesGranted.Add(1, new KeyValuePair<string, object?>("node", node.Name));
                activity?.SetTag("equigrid.trial", trialId);
                activity?.SetTag("equigrid.attempt", lease.Attempt);
                return lease;
            }
            return null;
        }
        finally
        {
            // Back to the front of their queues, after this request, so one silent trial cannot absorb every try.
            foreach (var id in unanswered) _index.Unpick(id);
        }
    }

    /// <inheritdoc />
    public Task TrialChanged(string trialId, TrialStatus status, int attempt, DateTimeOffset? notBefore = null)
    {
        if (!_index.Contains(trialId)) return Task.CompletedTask;
        // A message about an attempt older than the lease we know of is history: the newer lease stands.
        if (_index.Lease(trialId) is { } lease && lease.Attempt > attempt) return Task.CompletedTask;
        if (status == TrialStatus.Queued) _index.Requeued(trialId, notBefore > DateTimeOffset.UtcNow ? notBefore : null);
        else if (status.IsTerminal()) Forget(trialId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<int> NodeStarted(string node)
    {
        // Leases this index does not know yet (rebuilt after a restart) are released when first settled (see Settle).
        _nodeStarts[node] = DateTimeOffset.UtcNow;
        int released = 0;
        foreach (var (trialId, lease) in _index.LeasedOn(node))
            if (await Release(trialId, lease.Attempt, node)) released++;
        if (released > 0) logger.LogInformation("Node {Node} restarted: released {Count} lease(s) of its previous incarnation", node, released);
        return released;
    }

    /// <summary>
    /// Hands back a lease of a node that restarted since it was granted. Accepted: the trial re-queued itself and tells
    /// us one-way (TrialChanged); anything else: the lease had already ended, which the next scan or message settles.
    /// </summary>
    private async Task<bool> Release(string trialId, int attempt, string node)
    {
        try
        {
            return await GrainFactory.GetGrain<ITrialGrain>(trialId)
                .Release(attempt, $"node {node} restarted, so attempt {attempt} there is gone").WaitAsync(O.CallTimeout) == ReportAck.Accepted;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            logger.LogWarning("Node {Node} restarted: trial {Trial} did not answer the release of its lease: {Message}", node, trialId, e.Message);
            return false;
        }
    }

    /// <inheritdoc />
    public async Task SetPriority(string studyId, int priority)
    {
        await _persist.WaitAsync();
        try
        {
            if (!S.Studies.TryGetValue(studyId, out var record)) return;
            record.Priority = priority;
            _index.SetStudy(studyId, priority);
            await state.WriteStateAsync();
        }
        finally
        {
            _persist.Release();
        }
    }

    /// <inheritdoc />
    public async Task CancelStudy(string studyId)
    {
        await _persist.WaitAsync();
        try
        {
            if (!S.Studies.TryGetValue(studyId, out var record)) return;
            record.Cancelled = true;
            // Queued trials go now; leased ones when their trial reports its cancellation (the study cancels each).
            foreach (var id in _index.Cancel(studyId)) _shardOf.Remove(id);
            var shards = record.Shards.ToList();
            record.Shards.Clear();
            foreach (var key in _finished.Keys.Where(k => k.Study == studyId).ToList()) _finished.Remove(key);
            await state.WriteStateAsync();
            await Task.WhenAll(shards.Select(n => Shard(studyId, n).Clear()));
        }
        finally
        {
            _persist.Release();
        }
    }

    /// <inheritdoc />
    public Task NodeSeen(NodeCapabilities node, DateTimeOffset at)
    {
        // Node liveness is soft state, rebuilt from heartbeats within seconds.
        _nodes[node.Name] = new NodeRecord(node, at);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<int> ScanLeases()
    {
        if (_scanning) return 0;
        _scanning = true;
        try
        {
            int requeued = 0;
            foreach (var (trialId, lease) in _index.LapsedBy(DateTimeOffset.UtcNow))
            {
                TrialSnapshot snap;
                try
                {
                    snap = await GrainFactory.GetGrain<ITrialGrain>(trialId).ExpireIfLapsed().WaitAsync(O.CallTimeout);
                }
                catch (Exception e) when (e is TimeoutException or OrleansException)
                {
                    logger.LogWarning("Lease scan: trial {Trial} did not answer: {Message}", trialId, e.Message);
                    continue;
                }
                if (Apply(trialId, snap) == TrialStatus.Queued)
                {
                    requeued++;
                    logger.LogInformation("Lease scan: trial {Trial} (attempt {Attempt} on {Node}) lapsed and was re-queued", trialId, lease.Attempt, lease.Node);
                }
            }
            return requeued;
        }
        finally
        {
            _scanning = false;
        }
    }

    /// <inheritdoc />
    public Task<SchedulerSnapshot> GetSnapshot()
    {
        var live = LiveNodes(DateTimeOffset.UtcNow);
        return Task.FromResult(new SchedulerSnapshot(
            _index.Studies.Order(StringComparer.Ordinal).ToList(), _nodes.Keys.Order(StringComparer.Ordinal).ToList(),
            _index.Pending, _index.Leased, _index.Dispatched, _index.Tracked,
            _index.PendingWhere(needs => !Placement.FitsAnyNode(needs, live))));
    }

    private async Task Tick()
    {
        await ScanLeases();
        await FlushFinished();
    }

    /// <summary>Asks a trial that refused a lease where it stands and files it accordingly; false when it did not answer.</summary>
    private async Task<bool> Settle(string trialId)
    {
        try
        {
            var snap = await GrainFactory.GetGrain<ITrialGrain>(trialId).ExpireIfLapsed().WaitAsync(O.CallTimeout);
            // Held by a node that restarted after the attempt began: that attempt is gone, hand the lease back now.
            if (Apply(trialId, snap) is { } filed && filed.IsHeld() && snap.Node is { } node
                && _nodeStarts.TryGetValue(node, out var started) && snap.AttemptStartedAt < started)
                await Release(trialId, snap.Attempt, node);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            logger.LogWarning("Trial {Trial} did not answer: {Message}", trialId, e.Message);
            return false;
        }
    }

    /// <summary>Brings the index in line with a trial's own state; returns the state it was filed under.</summary>
    private TrialStatus? Apply(string trialId, TrialSnapshot snap)
    {
        if (!_index.Contains(trialId)) return null;
        if (snap.Config is null || snap.Status.IsTerminal())
        {
            Forget(trialId); // a trial with no config does not exist: nothing to place
            return snap.Status;
        }
        if (snap.Status.IsHeld() && snap.LeaseExpiresAt is { } expiry)
        {
            var known = _index.Lease(trialId);
            _index.RecordLease(trialId, new LeaseRecord(snap.StudyId, snap.Node ?? known?.Node ?? "", snap.Attempt, expiry), granted: false);
            return snap.Status;
        }
        // Queued again: a picked trial goes back to the front, a leased one is re-queued (after its backoff, if any).
        if (snap.NotBefore is { } notBefore && notBefore > DateTimeOffset.UtcNow)
        {
            _index.Delay(trialId, notBefore);
            return TrialStatus.Queued;
        }
        _index.Unpick(trialId);
        _index.Requeued(trialId);
        return TrialStatus.Queued;
    }

    /// <summary>Drops a finished trial from the index; its shard forgets it with the next flush.</summary>
    private void Forget(string trialId)
    {
        var ticket = _index.Finished(trialId);
        if (ticket is null || !_shardOf.Remove(trialId, out var shard)) return;
        var key = (ticket.StudyId, shard);
        if (!_finished.TryGetValue(key, out var list)) _finished[key] = list = [];
        list.Add(trialId);
    }

    /// <summary>
    /// Removes finished trials from their shards, one write per touched shard (a trial left in a shard by a crash is
    /// settled with its grain after the restart instead). A shard that empties is dropped from its study's record.
    /// </summary>
    private async Task FlushFinished()
    {
        if (_finished.Count == 0) return;
        await _persist.WaitAsync();
        try
        {
            var batch = _finished.ToList();
            _finished.Clear();
            var remaining = await Task.WhenAll(batch.Select(async b =>
            {
                try { return (b.Key, Left: await Shard(b.Key.Study, b.Key.Shard).Remove(b.Value)); }
                catch (Exception e) when (e is TimeoutException or OrleansException)
                {
                    logger.LogWarning("Queue shard {Study}/{Shard} did not answer: {Message}", b.Key.Study, b.Key.Shard, e.Message);
                    return (b.Key, Left: -1);
                }
            }));
            foreach (var (key, left) in remaining)
            {
                if (left < 0) // try again next time
                {
                    if (!_finished.TryGetValue(key, out var again)) _finished[key] = again = [];
                    again.AddRange(batch.First(b => b.Key == key).Value);
                }
                else if (left == 0 && S.Studies.TryGetValue(key.Study, out var record)) record.Shards.Remove(key.Shard);
            }
            if (remaining.Any(r => r.Left == 0) || S.Dispatched != _index.Dispatched)
            {
                S.Dispatched = _index.Dispatched;
                await state.WriteStateAsync();
            }
        }
        finally
        {
            _persist.Release();
        }
    }

    /// <summary>Rebuilds the index from the study records and their shards (and moves a previous-format record into shards).</summary>
    private async Task Restore()
    {
        if (S.LegacyStudies.Count > 0 || S.LegacyTickets.Count > 0) await MigrateLegacy();
        foreach (var (studyId, record) in S.Studies)
        {
            _index.SetStudy(studyId, record.Priority, record.Cancelled);
            if (record.Cancelled) continue;
            var shards = await Task.WhenAll(record.Shards.Select(async n => (Number: n, Trials: await Shard(studyId, n).GetTrials())));
            foreach (var (number, trials) in shards)
                foreach (var t in trials)
                {
                    _shardOf[t.TrialId] = number;
                    _index.Add(t.TrialId, t.Ticket, t.Sequence);
                }
        }
        _index.Restored(S.Dispatched);
        if (_index.Tracked > 0) logger.LogInformation("Scheduler restored {Trials} live trials of {Studies} studies from their queue shards", _index.Tracked, S.Studies.Count);
    }

    /// <summary>Moves the tickets of the previous single-record format into shards (queued ones first, in order).</summary>
    private async Task MigrateLegacy()
    {
        long sequence = 0;
        foreach (var (studyId, queue) in S.LegacyStudies)
        {
            var record = S.Studies.GetValueOrDefault(studyId) ?? (S.Studies[studyId] = new StudyRecord { Priority = queue.Priority, Cancelled = queue.Cancelled });
            if (queue.Cancelled) continue;
            var ids = queue.Pending.Concat(S.LegacyTickets.Where(t => t.Value.StudyId == studyId).Select(t => t.Key)).Distinct()
                .Where(S.LegacyTickets.ContainsKey).ToList();
            foreach (var chunk in ids.Chunk(ShardSize))
            {
                int number = record.NextShard++;
                await Shard(studyId, number).Add(chunk.Select(id => new QueuedTrial(id, S.LegacyTickets[id], sequence++)).ToList());
                record.Shards.Add(number);
            }
        }
        S.LegacyStudies = [];
        S.LegacyTickets = [];
        S.LegacyLeases = [];
        S.LegacyNodes = [];
        await state.WriteStateAsync();
        logger.LogInformation("Scheduler state moved into queue shards ({Studies} studies)", S.Studies.Count);
    }

    private List<NodeCapabilities> LiveNodes(DateTimeOffset now) =>
        _nodes.Values.Where(n => now - n.LastSeen < O.NodeTimeout).Select(n => n.Capabilities).ToList();

    private IQueueShardGrain Shard(string studyId, int number) => GrainFactory.GetGrain<IQueueShardGrain>($"{studyId}/{number}");
}
