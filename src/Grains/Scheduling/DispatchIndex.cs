namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// The scheduler's in-memory index of live trials: per study, its queued trials grouped by what placement needs to
/// know (interchangeable for fit), the leases granted, and running counts per study and per node. Every operation is
/// O(studies x placement groups) at most, independent of how many trials are queued. Kept free of Orleans so the
/// dispatch order (priority, fair share, re-queued first, GPU first) is testable on its own; the grain owns
/// persistence and the calls to trial grains.
/// </summary>
public sealed class DispatchIndex
{
    private readonly Dictionary<string, StudyEntry> _studies = [];
    private readonly Dictionary<string, Entry> _trials = [];
    private readonly Dictionary<string, int> _leasesByNode = [];
    /// <summary>Re-queued trials backing off until a time (not offered before it), soonest first.</summary>
    private readonly PriorityQueue<Entry, DateTimeOffset> _delayed = new();
    private long _nextSequence;
    private long _frontSequence;

    /// <summary>Leases granted so far (the fair-share clock).</summary>
    public long Dispatched { get; private set; }
    /// <summary>Queued trials.</summary>
    public int Pending { get; private set; }
    /// <summary>Trials known to hold a lease.</summary>
    public int Leased { get; private set; }
    /// <summary>Live (not known to be finished) trials.</summary>
    public int Tracked => _trials.Count;
    /// <summary>Study ids known to the index.</summary>
    public IEnumerable<string> Studies => _studies.Keys;

    /// <summary>Where a live trial stands in the index.</summary>
    public enum TrialState { Queued, Picked, Leased, Delayed }

    private sealed class Entry(string trialId, TrialTicket ticket, long sequence)
    {
        public string TrialId { get; } = trialId;
        public TrialTicket Ticket { get; } = ticket;
        public long Sequence { get; set; } = sequence;
        public TrialState State { get; set; }
        public LinkedListNode<Entry>? Node { get; set; }
        public LeaseRecord? Lease { get; set; }
        public DateTimeOffset NotBefore { get; set; }
    }

    private sealed class StudyEntry(string id)
    {
        public string Id { get; } = id;
        public int Priority { get; set; }
        public bool Cancelled { get; set; }
        public long LastServed { get; set; }
        public int Running { get; set; }
        public int Pending { get; set; }
        /// <summary>Queued trials by placement needs, each list in dispatch order (ascending sequence).</summary>
        public Dictionary<PlacementNeeds, LinkedList<Entry>> Groups { get; } = [];
    }

    /// <summary>Registers a study (or updates its priority).</summary>
    public void SetStudy(string studyId, int priority, bool cancelled = false)
    {
        var s = Study(studyId);
        s.Priority = priority;
        if (cancelled) Cancel(studyId);
    }

    /// <summary>True when the study is known and cancelled.</summary>
    public bool IsCancelled(string studyId) => _studies.TryGetValue(studyId, out var s) && s.Cancelled;

    /// <summary>True when the trial is live in the index.</summary>
    public bool Contains(string trialId) => _trials.ContainsKey(trialId);

    /// <summary>The trial's ticket, or null when it is not live.</summary>
    public TrialTicket? Ticket(string trialId) => _trials.TryGetValue(trialId, out var e) ? e.Ticket : null;

    /// <summary>The trial's state, or null when it is not live.</summary>
    public TrialState? State(string trialId) => _trials.TryGetValue(trialId, out var e) ? e.State : null;

    /// <summary>Adds a queued trial at the back of its study's queue (no-op when already live).</summary>
    /// <param name="trialId">Trial id.</param>
    /// <param name="ticket">Its placement ticket.</param>
    /// <param name="sequence">Its enqueue order; null assigns the next one.</param>
    public bool Add(string trialId, TrialTicket ticket, long? sequence = null)
    {
        if (_trials.ContainsKey(trialId)) return false;
        var s = Study(ticket.StudyId);
        if (s.Cancelled) return false;
        long seq = sequence ?? _nextSequence;
        _nextSequence = Math.Max(_nextSequence, seq + 1);
        var e = new Entry(trialId, ticket, seq);
        _trials[trialId] = e;
        Enqueue(s, e, front: false);
        return true;
    }

    /// <summary>After a restart: the dispatch counter as last persisted.</summary>
    public void Restored(long dispatched) => Dispatched = Math.Max(Dispatched, dispatched);

    /// <summary>The next enqueue sequence number (for tickets about to be persisted).</summary>
    public long NextSequence() => _nextSequence++;

    /// <summary>
    /// Picks the trial <paramref name="node"/> should run next and marks it picked (out of the queue, not yet leased):
    /// studies by priority, then fewest running trials, then least recently served; within a study the first queued
    /// trial the node may take (<see cref="Placement.Allows"/>). A GPU node first looks for GPU-first trials in every
    /// study, the one with the most estimated work first. Null when nothing fits.
    /// </summary>
    public string? Pick(NodeCapabilities node, PlacementView view, DateTimeOffset now)
    {
        ReleaseDue(now);
        var order = _studies.Values.Where(s => !s.Cancelled && s.Pending > 0)
            .OrderByDescending(s => s.Priority).ThenBy(s => s.Running).ThenBy(s => s.LastServed).ThenBy(s => s.Id, StringComparer.Ordinal);
        var passes = node.HasGpu ? new[] { true, false } : [false];
        foreach (var gpuFirstOnly in passes)
            foreach (var s in order)
            {
                LinkedList<Entry>? best = null;
                PlacementNeeds bestNeeds = default;
                foreach (var (needs, list) in s.Groups)
                {
                    if (list.First is null || (gpuFirstOnly && !needs.GpuFirst) || !Placement.Allows(needs, node, view)) continue;
                    if (best is null || Before(needs, list, bestNeeds, best, longestFirst: gpuFirstOnly)) (best, bestNeeds) = (list, needs);
                }
                if (best is null) continue;
                var e = best.First!.Value;
                Dequeue(s, e);
                e.State = TrialState.Picked;
                return e.TrialId;
            }
        return null;
    }

    /// <summary>
    /// Dispatch order between two placement groups of one study: queue order, except that a GPU node looking for
    /// GPU-first work takes the most estimated work first (the longest trials to the fastest nodes).
    /// </summary>
    private static bool Before(PlacementNeeds a, LinkedList<Entry> listA, PlacementNeeds b, LinkedList<Entry> listB, bool longestFirst)
    {
        if (longestFirst && a.Work != b.Work) return a.Work > b.Work;
        return listA.First!.Value.Sequence < listB.First!.Value.Sequence;
    }

    /// <summary>Puts a picked trial back at the front of its study's queue (its lease request failed).</summary>
    public void Unpick(string trialId)
    {
        if (_trials.TryGetValue(trialId, out var e) && e.State == TrialState.Picked) Requeue(e);
    }

    /// <summary>Records a lease of a picked (or queued) trial; counts it as dispatched when <paramref name="granted"/>.</summary>
    public void RecordLease(string trialId, LeaseRecord lease, bool granted)
    {
        if (!_trials.TryGetValue(trialId, out var e)) return;
        var s = Study(e.Ticket.StudyId);
        if (e.State == TrialState.Queued) Dequeue(s, e);
        if (e.State == TrialState.Leased) ReleaseLease(s, e);
        e.State = TrialState.Leased;
        e.Lease = lease;
        s.Running++;
        Leased++;
        _leasesByNode[lease.Node] = _leasesByNode.GetValueOrDefault(lease.Node) + 1;
        if (granted) s.LastServed = ++Dispatched;
    }

    /// <summary>The lease recorded for a trial, or null.</summary>
    public LeaseRecord? Lease(string trialId) => _trials.TryGetValue(trialId, out var e) ? e.Lease : null;

    /// <summary>Leases that expire at or before <paramref name="now"/>.</summary>
    public List<(string TrialId, LeaseRecord Lease)> LapsedBy(DateTimeOffset now) =>
        _trials.Values.Where(e => e.Lease is { } l && l.ExpiresAt <= now).Select(e => (e.TrialId, e.Lease!)).ToList();

    /// <summary>
    /// The trial is queued again (lapsed lease, failed attempt): to the front of its study's queue, since it may have
    /// checkpoints to resume. No-op for a trial already queued or picked.
    /// </summary>
    /// <param name="trialId">The trial.</param>
    /// <param name="notBefore">Not offered before this time (a backoff), if given.</param>
    public void Requeued(string trialId, DateTimeOffset? notBefore = null)
    {
        if (!_trials.TryGetValue(trialId, out var e)) return;
        // A backoff applies whatever the index thought (the trial may have been leased and failed behind its back);
        // a picked trial's lease request is in flight and settles it.
        if (notBefore is { } t) { if (e.State != TrialState.Picked) Delay(trialId, t); return; }
        if (e.State != TrialState.Leased) return;
        ReleaseLease(Study(e.Ticket.StudyId), e);
        Requeue(e);
    }

    /// <summary>Holds a live trial back until <paramref name="notBefore"/> (a backoff), whatever state it is in.</summary>
    public void Delay(string trialId, DateTimeOffset notBefore)
    {
        if (!_trials.TryGetValue(trialId, out var e)) return;
        var s = Study(e.Ticket.StudyId);
        if (e.State == TrialState.Queued) Dequeue(s, e);
        if (e.State == TrialState.Leased) ReleaseLease(s, e);
        e.State = TrialState.Delayed;
        e.NotBefore = notBefore;
        _delayed.Enqueue(e, notBefore);
    }

    /// <summary>Trials backing off (re-queued with a not-before time still ahead).</summary>
    public int Delayed => _delayed.Count;

    private void ReleaseDue(DateTimeOffset now)
    {
        while (_delayed.TryPeek(out var e, out var due) && due <= now)
        {
            _delayed.Dequeue();
            // Skip entries that finished or were leased while they waited (they are no longer delayed).
            // (or were delayed again: only the entry for their latest backoff counts).
            if (e.State == TrialState.Delayed && e.NotBefore == due && _trials.TryGetValue(e.TrialId, out var live) && ReferenceEquals(live, e)) Requeue(e);
        }
    }

    /// <summary>The trial finished (or is unknown to its grain): forgets it. Returns its ticket, or null.</summary>
    public TrialTicket? Finished(string trialId)
    {
        if (!_trials.Remove(trialId, out var e)) return null;
        var s = Study(e.Ticket.StudyId);
        if (e.State == TrialState.Queued) Dequeue(s, e);
        if (e.State == TrialState.Leased) ReleaseLease(s, e);
        return e.Ticket;
    }

    /// <summary>Cancels a study: drops its queued trials (leased ones go when their trial reports the cancellation).</summary>
    public List<string> Cancel(string studyId)
    {
        var s = Study(studyId);
        s.Cancelled = true;
        var dropped = s.Groups.Values.SelectMany(l => l).Select(e => e.TrialId).ToList();
        foreach (var id in dropped) Finished(id);
        return dropped;
    }

    /// <summary>The trials leased on a node, with their leases.</summary>
    public List<(string TrialId, LeaseRecord Lease)> LeasedOn(string node) =>
        _trials.Values.Where(e => e.Lease is { } l && l.Node == node).Select(e => (e.TrialId, e.Lease!)).ToList();

    /// <summary>Leases held per node name.</summary>
    public int LeasesOn(string node) => _leasesByNode.GetValueOrDefault(node);

    /// <summary>Queued trials that <paramref name="fits"/> rejects for every group (e.g. fit no live node).</summary>
    public int PendingWhere(Func<PlacementNeeds, bool> fits) =>
        _studies.Values.Where(s => !s.Cancelled).SelectMany(s => s.Groups).Where(g => fits(g.Key)).Sum(g => g.Value.Count);

    private StudyEntry Study(string id)
    {
        if (!_studies.TryGetValue(id, out var s)) _studies[id] = s = new StudyEntry(id);
        return s;
    }

    private void Requeue(Entry e)
    {
        var s = Study(e.Ticket.StudyId);
        if (s.Cancelled) { Finished(e.TrialId); return; }
        e.Sequence = --_frontSequence - long.MaxValue / 2; // before every enqueued trial, newest re-queue first
        Enqueue(s, e, front: true);
    }

    private void Enqueue(StudyEntry s, Entry e, bool front)
    {
        var needs = e.Ticket.Needs;
        if (!s.Groups.TryGetValue(needs, out var list)) s.Groups[needs] = list = new LinkedList<Entry>();
        // Enqueued trials arrive in sequence order and re-queued ones get ever smaller numbers, so the ends suffice;
        // a trial restored out of order (recovery) is placed by walking from the back.
        if (front) e.Node = list.AddFirst(e);
        else
        {
            var after = list.Last;
            while (after is not null && after.Value.Sequence > e.Sequence) after = after.Previous;
            e.Node = after is null ? list.AddFirst(e) : list.AddAfter(after, e);
        }
        e.State = TrialState.Queued;
        s.Pending++;
        Pending++;
    }

    private void Dequeue(StudyEntry s, Entry e)
    {
        if (e.Node is null) return;
        e.Node.List!.Remove(e.Node);
        e.Node = null;
        s.Pending--;
        Pending--;
    }

    private void ReleaseLease(StudyEntry s, Entry e)
    {
        if (e.Lease is not { } lease) return;
        s.Running--;
        Leased--;
        if (--_leasesByNode[lease.Node] <= 0) _leasesByNode.Remove(lease.Node);
        e.Lease = null;
    }
}
