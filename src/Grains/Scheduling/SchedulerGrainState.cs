namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// Persistent state of the scheduler grain itself: only the studies (priority, cancelled, which queue shards hold
/// their trials) and the dispatch counter, written when a study is added, re-prioritised or cancelled or a shard
/// empties, never per lease. The trials themselves are kept in <see cref="IQueueShardGrain"/>s; which of them are
/// queued or leased is the trial grains' own state (authoritative) and is rebuilt from them after a restart.
/// </summary>
[GenerateSerializer, Alias("equigrid.SchedulerGrainState")]
public sealed class SchedulerGrainState
{
    /// <summary>Per-study queues of the previous, single-record format (read once and moved into shards).</summary>
    [Id(0)] public Dictionary<string, StudyQueue> LegacyStudies { get; set; } = [];
    /// <summary>Tickets of the previous format (read once and moved into shards).</summary>
    [Id(1)] public Dictionary<string, TrialTicket> LegacyTickets { get; set; } = [];
    /// <summary>Unused since the queue moved into shards (kept so old records still deserialise).</summary>
    [Id(2)] public Dictionary<string, LeaseRecord> LegacyLeases { get; set; } = [];
    /// <summary>Unused since node liveness became soft state (kept so old records still deserialise).</summary>
    [Id(3)] public Dictionary<string, NodeRecord> LegacyNodes { get; set; } = [];
    /// <summary>Leases granted, as of the last write.</summary>
    [Id(4)] public long Dispatched { get; set; }
    /// <summary>Every study the scheduler has queued trials for.</summary>
    [Id(5)] public Dictionary<string, StudyRecord> Studies { get; set; } = [];
}

/// <summary>A study as the scheduler persists it.</summary>
[GenerateSerializer, Alias("equigrid.SchedulerStudyRecord")]
public sealed class StudyRecord
{
    [Id(0)] public int Priority { get; set; }
    [Id(1)] public bool Cancelled { get; set; }
    /// <summary>Numbers of the queue shards (<see cref="IQueueShardGrain"/> keys "study/number") holding live trials.</summary>
    [Id(2)] public List<int> Shards { get; set; } = [];
    /// <summary>The next shard number to use.</summary>
    [Id(3)] public int NextShard { get; set; }
}

/// <summary>A study's queue in the previous single-record format (read for migration only).</summary>
[GenerateSerializer, Alias("equigrid.StudyQueue")]
public sealed class StudyQueue
{
    [Id(0)] public string StudyId { get; set; } = "";
    [Id(1)] public int Priority { get; set; }
    [Id(2)] public List<string> Pending { get; set; } = [];
    [Id(3)] public long LastServed { get; set; }
    [Id(4)] public bool Cancelled { get; set; }
}

/// <summary>What the scheduler needs to place a trial.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialTicket")]
public sealed record TrialTicket([property: Id(0)] string StudyId, [property: Id(1)] long MemoryBytes, [property: Id(2)] bool Large)
{
    /// <summary>
    /// Backoff of the previous single-record format (read, not used: a backoff is now kept in memory only; after a
    /// restart a trial may be leased again at once).
    /// </summary>
    [Id(3)] public DateTimeOffset? NotBefore { get; init; }
    /// <summary>The device the trial asked for.</summary>
    [Id(4)] public TrialDevice Device { get; init; }
    /// <summary>Tensor-product work per molecule over the reference trial's (see <see cref="TrialResourceEstimate"/>).</summary>
    [Id(5)] public double RelativeCost { get; init; }
    /// <summary>Molecules trained over all epochs (for time estimates).</summary>
    [Id(6)] public long MoleculesSeen { get; init; }

    /// <summary>The ticket of a trial with this estimate.</summary>
    public static TrialTicket For(string studyId, TrialResourceEstimate e) => new(studyId, e.MemoryBytes, e.GpuFirst)
    {
        Device = e.Device, RelativeCost = e.RelativeCost, MoleculesSeen = e.MoleculesSeen,
    };

    /// <summary>What placement looks at (<see cref="Large"/> means GPU-first).</summary>
    public PlacementNeeds Needs => new(MemoryBytes, Large, Device, TrialResourceEstimate.WorkOf(RelativeCost, MoleculesSeen));
}

/// <summary>A trial kept in a queue shard: its ticket and its enqueue order.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.QueuedTrial")]
public sealed record QueuedTrial([property: Id(0)] string TrialId, [property: Id(1)] TrialTicket Ticket, [property: Id(2)] long Sequence);

/// <summary>A lease the scheduler knows of.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.LeaseRecord")]
public sealed record LeaseRecord([property: Id(0)] string StudyId, [property: Id(1)] string Node, [property: Id(2)] int Attempt, [property: Id(3)] DateTimeOffset ExpiresAt);

/// <summary>A node the scheduler has heard from.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.NodeRecord")]
public sealed record NodeRecord([property: Id(0)] NodeCapabilities Capabilities, [property: Id(1)] DateTimeOffset LastSeen);
