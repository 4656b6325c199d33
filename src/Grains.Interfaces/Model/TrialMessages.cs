namespace EquiGrid.Grains;

/// <summary>What a worker receives with a lease: enough to start (or resume) the attempt.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialLease")]
public sealed record TrialLease(
    [property: Id(0)] string TrialId,
    [property: Id(1)] string StudyId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] TrialSpec Config,
    [property: Id(4)] IReadOnlyList<CheckpointRef> Checkpoints,
    [property: Id(5)] DateTimeOffset ExpiresAt,
    [property: Id(6)] string? SubmitTrace = null);

/// <summary>A trial as the CLI shows it.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialSnapshot")]
public sealed record TrialSnapshot
{
    [Id(0)] public required string TrialId { get; init; }
    [Id(1)] public required string StudyId { get; init; }
    [Id(2)] public required TrialSpec Config { get; init; }
    [Id(3)] public TrialStatus Status { get; init; }
    [Id(4)] public int Attempt { get; init; }
    [Id(5)] public string? Node { get; init; }
    [Id(6)] public DateTimeOffset? LeaseExpiresAt { get; init; }
    [Id(7)] public TrainingProgress? LastProgress { get; init; }
    [Id(8)] public CheckpointRef? LatestCheckpoint { get; init; }
    [Id(9)] public IReadOnlyList<EpochMetrics> History { get; init; } = [];
    [Id(10)] public TrialResult? Outcome { get; init; }
    [Id(11)] public string? Error { get; init; }
    [Id(12)] public DateTimeOffset? AttemptStartedAt { get; init; }
    [Id(13)] public int MaxAttempts { get; init; }
    /// <summary>Estimated seconds to finish from the current attempt's step rate; null when unknown.</summary>
    [Id(14)] public double? EtaSeconds { get; init; }
    /// <summary>Attempts that ended in the trainer's own error (these count against <see cref="MaxAttempts"/>).</summary>
    [Id(15)] public int TrialFailures { get; init; }
    /// <summary>Attempts interrupted by the infrastructure (lease lapsed, node lost, runner killed, storage unreachable).</summary>
    [Id(16)] public int InfrastructureFailures { get; init; }
    /// <summary>A queued trial is not leased before this time (backoff after an infrastructure failure); null when leasable.</summary>
    [Id(17)] public DateTimeOffset? NotBefore { get; init; }
}
