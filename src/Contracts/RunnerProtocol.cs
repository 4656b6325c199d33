namespace EquiGrid.Contracts;

/// <summary>
/// One line of the child-process protocol: the trial runner writes one JSON object per stdout line
/// (<see cref="ContractJson"/>), <c>{"kind":"progress","progress":{...}}</c> after every progress report and
/// <c>{"kind":"checkpoint","checkpoint":{...}}</c> after every committed checkpoint; the final <see cref="TrialResult"/>
/// goes to the result file and the exit code is 0. Anything else on stdout is ignored by the worker; diagnostics go
/// to stderr.
/// </summary>
public sealed record RunnerMessage
{
    /// <summary>Kind of a progress line.</summary>
    public const string ProgressKind = "progress";
    /// <summary>Kind of a checkpoint line.</summary>
    public const string CheckpointKind = "checkpoint";

    /// <summary><see cref="ProgressKind"/> or <see cref="CheckpointKind"/>.</summary>
    public required string Kind { get; init; }
    /// <summary>The report, on a progress line.</summary>
    public TrainingProgress? Progress { get; init; }
    /// <summary>The committed checkpoint, on a checkpoint line.</summary>
    public CheckpointRef? Checkpoint { get; init; }

    /// <summary>A progress line.</summary>
    public static RunnerMessage Of(TrainingProgress progress) => new() { Kind = ProgressKind, Progress = progress };

    /// <summary>A checkpoint line.</summary>
    public static RunnerMessage Of(CheckpointRef checkpoint) => new() { Kind = CheckpointKind, Checkpoint = checkpoint };
}

/// <summary>
/// What the worker hands the trial runner for one attempt (the <c>--attempt</c> file): the trial, the fencing token,
/// the spec, and the checkpoints the trial grain has committed, newest first. The attempt resumes from the first of
/// them whose hash verifies (an older one when the newest is corrupt) and starts from scratch when there is none.
/// </summary>
public sealed record RunnerAttempt
{
    /// <summary>Trial id ("STUDY/TRIAL-NAME"), also the checkpoint key.</summary>
    public required string TrialId { get; init; }
    /// <summary>The attempt number the lease was granted with.</summary>
    public required int Attempt { get; init; }
    /// <summary>What to train.</summary>
    public required TrialSpec Spec { get; init; }
    /// <summary>The grain's committed checkpoints, newest first (the grain's pointer decides what the attempt resumes from).</summary>
    public IReadOnlyList<CheckpointRef> ResumeFrom { get; init; } = [];
}
