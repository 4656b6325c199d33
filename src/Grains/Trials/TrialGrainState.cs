namespace EquiGrid.Grains.Trials;

/// <summary>Persistent state of a trial grain. Replaced field by field and written explicitly after every transition.</summary>
[GenerateSerializer, Alias("equigrid.TrialGrainState")]
public sealed class TrialGrainState
{
    [Id(0)] public string? StudyId { get; set; }
    [Id(1)] public TrialConfig? Config { get; set; }
    [Id(2)] public TrialStatus Status { get; set; }
    /// <summary>The fencing token: the attempt number of the current (or last) lease.</summary>
    [Id(3)] public int Attempt { get; set; }
    [Id(4)] public int MaxAttempts { get; set; } = 3;
    [Id(5)] public string? Node { get; set; }
    [Id(6)] public DateTimeOffset? LeaseExpiresAt { get; set; }
    [Id(7)] public DateTimeOffset? AttemptStartedAt { get; set; }
    /// <summary>Committed checkpoints, newest first (the "latest pointer" is the first).</summary>
    [Id(8)] public List<CheckpointPointer> Checkpoints { get; set; } = [];
    [Id(9)] public List<EpochRecord> History { get; set; } = [];
    [Id(10)] public ProgressReport? LastProgress { get; set; }
    [Id(11)] public TrialOutcome? Outcome { get; set; }
    /// <summary>The attempt that completed the trial (makes a repeated completion recognisable).</summary>
    [Id(12)] public int CompletedAttempt { get; set; }
    [Id(13)] public string? Error { get; set; }
    /// <summary>Step at which the current attempt started (its resume point), for the ETA's rate.</summary>
    [Id(14)] public long AttemptStartStep { get; set; }
    /// <summary>W3C traceparent of the study.submit span, so every attempt's trace links back to the submission.</summary>
    [Id(15)] public string? SubmitTrace { get; set; }
    /// <summary>Attempts that ended in the trainer's own error; the trial fails when they reach <see cref="MaxAttempts"/>.</summary>
    [Id(16)] public int TrialFailures { get; set; }
    /// <summary>Attempts interrupted by the infrastructure; capped separately (SchedulingOptions.MaxInfrastructureFailures).</summary>
    [Id(17)] public int InfrastructureFailures { get; set; }
    /// <summary>Not leased before this time (backoff after an infrastructure failure).</summary>
    [Id(18)] public DateTimeOffset? NotBefore { get; set; }
}
