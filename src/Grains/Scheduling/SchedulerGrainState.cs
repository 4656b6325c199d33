namespace EquiGrid.Grains.Scheduling;

/// <summary>Persistent state of the scheduler: the queues, the leases it granted and the nodes it has seen.</summary>
[GenerateSerializer, Alias("equigrid.SchedulerGrainState")]
public sealed class SchedulerGrainState
{
    [Id(0)] public Dictionary<string, StudyQueue> Studies { get; set; } = [];
    /// <summary>Every live (not yet finished) enqueued trial's study and size, so a re-queued trial can be placed again.</summary>
    [Id(1)] public Dictionary<string, TrialTicket> Tickets { get; set; } = [];
    /// <summary>Leases granted and not yet seen to end, by trial id.</summary>
    [Id(2)] public Dictionary<string, LeaseRecord> Leases { get; set; } = [];
    [Id(3)] public Dictionary<string, NodeRecord> Nodes { get; set; } = [];
    [Id(4)] public long Dispatched { get; set; }
}

/// <summary>A study's queue.</summary>
[GenerateSerializer, Alias("equigrid.StudyQueue")]
public sealed class StudyQueue
{
    [Id(0)] public string StudyId { get; set; } = "";
    [Id(1)] public int Priority { get; set; }
    /// <summary>Queued trial ids in dispatch order (re-queued ones go to the front: they have checkpoints to resume).</summary>
    [Id(2)] public List<string> Pending { get; set; } = [];
    /// <summary>Dispatch counter value when this study last got a lease (round robin among equals).</summary>
    [Id(3)] public long LastServed { get; set; }
    [Id(4)] public bool Cancelled { get; set; }
}

/// <summary>What the scheduler needs to place a trial; <see cref="NotBefore"/> holds it back after an infrastructure failure.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialTicket")]
public sealed record TrialTicket([property: Id(0)] string StudyId, [property: Id(1)] long MemoryBytes, [property: Id(2)] bool Large,
    [property: Id(3)] DateTimeOffset? NotBefore = null);

/// <summary>A lease the scheduler granted.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.LeaseRecord")]
public sealed record LeaseRecord([property: Id(0)] string StudyId, [property: Id(1)] string Node, [property: Id(2)] int Attempt, [property: Id(3)] DateTimeOffset ExpiresAt);

/// <summary>A node the scheduler has heard from.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.NodeRecord")]
public sealed record NodeRecord([property: Id(0)] NodeCapabilities Capabilities, [property: Id(1)] DateTimeOffset LastSeen);
