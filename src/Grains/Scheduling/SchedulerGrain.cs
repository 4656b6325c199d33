using EquiGrid.Grains.Scheduling;
using EquiGrid.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// The cluster's scheduler. Workers pull: <see cref="Lease"/> picks a study (highest priority first; among equal
/// priorities the one with the fewest running trials, then the least recently served: fair share) and the first of
/// its queued trials that fits the node, then asks the trial grain for a lease (the trial grain is the authority; the
/// scheduler only keeps an index). A grain timer, kept alive across restarts by a reminder, re-queues lapsed leases.
/// </summary>
public sealed class SchedulerGrain(
    [PersistentState("scheduler", GrainStorage.Name)] IPersistentState<SchedulerGrainState> state,
    IOptions<SchedulingOptions> options,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain, IRemindable
{
    private SchedulerGrainState S => state.State;
    private SchedulingOptions O => options.Value;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => ScanLeases(), new GrainTimerCreationOptions(O.ScanInterval, O.ScanInterval) { Interleave = false, KeepAlive = true });
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
    public Task ReceiveReminder(string reminderName, TickStatus status) => ScanLeases();

    /// <inheritdoc />
    public async Task Enqueue(string studyId, int priority, IReadOnlyList<string> trialIds, IReadOnlyList<TrialConfig> configs)
    {
        if (trialIds.Count != configs.Count) throw new ArgumentException("trial ids and configs differ in length");
        if (!S.Studies.TryGetValue(studyId, out var queue))
            S.Studies[studyId] = queue = new StudyQueue { StudyId = studyId, Priority = priority };
        if (queue.Cancelled) return;
        for (int i = 0; i < trialIds.Count; i++)
        {
            var id = trialIds[i];
            if (S.Tickets.ContainsKey(id)) continue;
            var estimate = TrialResourceEstimate.For(configs[i]);
            S.Tickets[id] = new TrialTicket(studyId, estimate.MemoryBytes, estimate.IsLarge);
            queue.Pending.Add(id);
        }
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task<TrialLease?> Lease(NodeCapabilities node)
    {
        var now = DateTimeOffset.UtcNow;
        S.Nodes[node.Name] = new NodeRecord(node, now);
        var live = S.Nodes.Values.Where(n => now - n.LastSeen < O.NodeTimeout).Select(n => n.Capabilities).ToList();
        var running = S.Leases.Values.GroupBy(l => l.StudyId).ToDictionary(g => g.Key, g => g.Count());
        var order = S.Studies.Values.Where(q => !q.Cancelled && q.Pending.Count > 0)
            .OrderByDescending(q => q.Priority).ThenBy(q => running.GetValueOrDefault(q.StudyId)).ThenBy(q => q.LastServed).ToList();
        // A GPU node first looks for large trials anywhere (they are what it is for), then takes anything that fits.
        var passes = node.HasGpu ? new[] { true, false } : new[] { false };
        using var activity = ClusterTelemetry.Source.StartActivity("scheduler.lease");
        activity?.SetTag("equigrid.node", node.Name);
        bool changed = false;
        foreach (var largeOnly in passes)
            foreach (var queue in order)
                foreach (var trialId in queue.Pending.ToList())
                {
                    if (!S.Tickets.TryGetValue(trialId, out var ticket)) { queue.Pending.Remove(trialId); changed = true; continue; }
                    if (largeOnly && !ticket.Large) continue;
                    if (ticket.NotBefore > now) continue; // backing off after an infrastructure failure
                    if (!Placement.Fits(ticket, node, live)) continue;
                    TrialLease? lease;
                    try
                    {
                        lease = await GrainFactory.GetGrain<ITrialGrain>(trialId).TryLease(node.Name, O.LeaseDuration).WaitAsync(O.CallTimeout);
                    }
                    catch (Exception e) when (e is TimeoutException or OrleansException)
                    {
                        logger.LogWarning("Trial {Trial} did not answer a lease request: {Message}", trialId, e.Message);
                        continue;
                    }
                    queue.Pending.Remove(trialId);
                    changed = true;
                    if (lease is null) continue; // not queued any more (terminal, or held by a lease we will see in the scan)
                    S.Leases[trialId] = new LeaseRecord(queue.StudyId, node.Name, lease.Attempt, lease.ExpiresAt);
                    queue.LastServed = ++S.Dispatched;
                    await state.WriteStateAsync();
                    ClusterTelemetry.LeasesGranted.Add(1, new KeyValuePair<string, object?>("node", node.Name));
                    activity?.SetTag("equigrid.trial", trialId);
                    activity?.SetTag("equigrid.attempt", lease.Attempt);
                    return lease;
                }
        if (changed) await state.WriteStateAsync();
        return null;
    }

    /// <inheritdoc />
    public async Task TrialChanged(string trialId, TrialStatus status, int attempt, DateTimeOffset? notBefore = null)
    {
        if (!S.Tickets.TryGetValue(trialId, out var ticket)) return;
        // A message about an attempt older than the lease we granted since is history: the newer lease stands.
        if (S.Leases.TryGetValue(trialId, out var lease) && lease.Attempt > attempt) return;
        S.Leases.Remove(trialId);
        var queue = S.Studies.GetValueOrDefault(ticket.StudyId);
        if (status == TrialStatus.Queued)
        {
            S.Tickets[trialId] = ticket with { NotBefore = notBefore };
            if (queue is { Cancelled: false } && !queue.Pending.Contains(trialId)) queue.Pending.Insert(0, trialId);
        }
        else if (status.IsTerminal())
        {
            // A finished trial is never placed again: forget its ticket, so the state written on every lease holds only
            // live trials, not every trial a long-running cluster has ever seen.
            queue?.Pending.Remove(trialId);
            S.Tickets.Remove(trialId);
        }
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task SetPriority(string studyId, int priority)
    {
        if (S.Studies.TryGetValue(studyId, out var q)) { q.Priority = priority; await state.WriteStateAsync(); }
    }

    /// <inheritdoc />
    public async Task CancelStudy(string studyId)
    {
        if (!S.Studies.TryGetValue(studyId, out var q)) return;
        q.Cancelled = true;
        foreach (var id in q.Pending) S.Tickets.Remove(id); // leased ones go when their trial reports its cancellation
        q.Pending.Clear();
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task NodeSeen(NodeCapabilities node, DateTimeOffset at)
    {
        // Not persisted on its own: node liveness is soft state, rebuilt from heartbeats within seconds.
        S.Nodes[node.Name] = new NodeRecord(node, at);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<int> NodeStarted(string node)
    {
        int released = 0;
        foreach (var (trialId, lease) in S.Leases.Where(l => l.Value.Node == node).ToList())
        {
            ReportAck ack;
            try
            {
                ack = await GrainFactory.GetGrain<ITrialGrain>(trialId)
                    .Release(lease.Attempt, $"node {node} restarted, so attempt {lease.Attempt} there is gone").WaitAsync(O.CallTimeout);
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                logger.LogWarning("Node {Node} restarted: trial {Trial} did not answer the release of its lease: {Message}", node, trialId, e.Message);
                continue;
            }
            // Accepted: the trial re-queued itself and tells us one-way (TrialChanged). Anything else: the lease had
            // already ended, which the next scan or message settles.
            if (ack == ReportAck.Accepted) released++;
        }
        if (released > 0) logger.LogInformation("Node {Node} restarted: released {Count} lease(s) of its previous incarnation", node, released);
        return released;
    }

    /// <inheritdoc />
    public async Task<int> ScanLeases()
    {
        var now = DateTimeOffset.UtcNow;
        int requeued = 0;
        bool changed = false;
        foreach (var (trialId, lease) in S.Leases.Where(l => l.Value.ExpiresAt <= now).ToList())
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
            changed = true;
            if (snap.Status.IsHeld() && snap.LeaseExpiresAt is { } expiry)
            {
                S.Leases[trialId] = lease with { ExpiresAt = expiry, Attempt = snap.Attempt, Node = snap.Node ?? lease.Node };
                continue;
            }
            S.Leases.Remove(trialId);
            if (snap.Status == TrialStatus.Queued && S.Studies.TryGetValue(lease.StudyId, out var q) && !q.Cancelled && !q.Pending.Contains(trialId))
            {
                q.Pending.Insert(0, trialId);
                requeued++;
                logger.LogInformation("Lease scan: trial {Trial} (attempt {Attempt} on {Node}) lapsed and was re-queued", trialId, lease.Attempt, lease.Node);
            }
        }
        if (changed) await state.WriteStateAsync();
        return requeued;
    }

    /// <inheritdoc />
    public Task<SchedulerSnapshot> GetSnapshot() => Task.FromResult(new SchedulerSnapshot(
        S.Studies.Keys.Order().ToList(), S.Nodes.Keys.Order().ToList(),
        S.Studies.Values.Sum(q => q.Pending.Count), S.Leases.Count, S.Dispatched, S.Tickets.Count));
}
