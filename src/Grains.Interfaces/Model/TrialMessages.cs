namespace EquiGrid.Grains;

/// <summary>A committed checkpoint as the trial grain records it (the "latest pointer" of write-then-commit).</summary>
[GenerateSerializer, Immutable, Alias("equigrid.CheckpointPointer")]
public sealed record CheckpointPointer(
    [property: Id(0)] int Attempt,
    [property: Id(1)] long Step,
    [property: Id(2)] string Location,
    [property: Id(3)] string Sha256,
    [property: Id(4)] long Bytes,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>One progress report of a running attempt.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.ProgressReport")]
public sealed record ProgressReport(
    [property: Id(0)] int Epoch,
    [property: Id(1)] long Step,
    [property: Id(2)] long TotalSteps,
    [property: Id(3)] double TrainLoss,
    [property: Id(4)] double? ValLoss,
    [property: Id(5)] double MoleculesPerSecond,
    [property: Id(6)] bool EpochEnd,
    [property: Id(7)] double? EpochSeconds);

/// <summary>Losses of one finished epoch.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.EpochRecord")]
public sealed record EpochRecord(
    [property: Id(0)] int Epoch,
    [property: Id(1)] double TrainLoss,
    [property: Id(2)] double ValLoss,
    [property: Id(3)] double Seconds);

/// <summary>The final metrics of a completed trial (the cluster's copy of the trainer's <c>TrialResult</c>).</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialOutcome")]
public sealed record TrialOutcome
{
    /// <summary>Trainable parameters.</summary>
    [Id(0)] public long Parameters { get; init; }
    /// <summary>Test MSE on normalised labels.</summary>
    [Id(1)] public double TestMseNormalized { get; init; }
    /// <summary>Test MAE in eV.</summary>
    [Id(2)] public double TestMaeEv { get; init; }
    /// <summary>Test RMSE in eV.</summary>
    [Id(3)] public double TestRmseEv { get; init; }
    /// <summary>Per-epoch losses.</summary>
    [Id(4)] public IReadOnlyList<EpochRecord> Epochs { get; init; } = [];
    /// <summary>SHA-256 of the final weights (determinism checks: a resumed run must match an uninterrupted one).</summary>
    [Id(5)] public string? WeightsSha256 { get; init; }
    /// <summary>Irrep-utilisation summary from the analysis step, opaque JSON; null when it was not computed.</summary>
    [Id(6)] public string? UtilisationJson { get; init; }
    /// <summary>Training time in seconds: the sum of the trained epochs' times (across attempts, as the trainer recorded them).</summary>
    [Id(7)] public double Seconds { get; init; }
}

/// <summary>What a worker receives with a lease: enough to start (or resume) the attempt.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialLease")]
public sealed record TrialLease(
    [property: Id(0)] string TrialId,
    [property: Id(1)] string StudyId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] TrialConfig Config,
    [property: Id(4)] IReadOnlyList<CheckpointPointer> Checkpoints,
    [property: Id(5)] DateTimeOffset ExpiresAt,
    [property: Id(6)] string? SubmitTrace = null);

/// <summary>A trial as the CLI shows it.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialSnapshot")]
public sealed record TrialSnapshot
{
    [Id(0)] public required string TrialId { get; init; }
    [Id(1)] public required string StudyId { get; init; }
    [Id(2)] public required TrialConfig Config { get; init; }
    [Id(3)] public TrialStatus Status { get; init; }
    [Id(4)] public int Attempt { get; init; }
    [Id(5)] public string? Node { get; init; }
    [Id(6)] public DateTimeOffset? LeaseExpiresAt { get; init; }
    [Id(7)] public ProgressReport? LastProgress { get; init; }
    [Id(8)] public CheckpointPointer? LatestCheckpoint { get; init; }
    [Id(9)] public IReadOnlyList<EpochRecord> History { get; init; } = [];
    [Id(10)] public TrialOutcome? Outcome { get; init; }
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
