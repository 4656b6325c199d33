namespace EquiGrid.Contracts;

/// <summary>
/// One line of the child-process protocol: the trial runner writes one JSON object per stdout line
/// (<see cref="ContractJson"/>), <c>{"kind":"progress","progress":{...}}</c> after every progress report and
/// <c>{"kind":"checkpoint","checkpoint":{...}}</c> after every committed checkpoint, and
/// <c>{"kind":"checkpoint_corrupt","checkpoint":{...},"error":"..."}</c> for a checkpoint the resume skipped because it
/// did not verify, <c>{"kind":"checkpoint_save_failed","attempt":N,"step":N,"error":"..."}</c> for one that could not be
/// saved; the final <see cref="TrialResult"/> goes to the result file and the exit code
/// (<see cref="RunnerExitCodes"/>) says how the attempt ended. Anything else on stdout is ignored by the worker;
/// diagnostics go to stderr, which the worker logs line by line. The runner's <c>measure</c> mode (a GPU's reference
/// rate, measured in a child so that a driver crash or hang cannot take the silo down) writes one
/// <c>{"kind":"measured","molecules_per_second":N,"device":"..."}</c> line and exits 0.
/// </summary>
public sealed record RunnerMessage
{
    /// <summary>Kind of a progress line.</summary>
    public const string ProgressKind = "progress";
    /// <summary>Kind of a checkpoint line.</summary>
    public const string CheckpointKind = "checkpoint";
    /// <summary>Kind of a line about a checkpoint that failed verification on load.</summary>
    public const string CheckpointCorruptKind = "checkpoint_corrupt";
    /// <summary>Kind of a line about a checkpoint that could not be saved (the attempt goes on and saves again later).</summary>
    public const string CheckpointSaveFailedKind = "checkpoint_save_failed";
    /// <summary>Kind of the one line of the <c>measure</c> mode: the device's training rate.</summary>
    public const string MeasuredKind = "measured";

    /// <summary>
    /// <see cref="ProgressKind"/>, <see cref="CheckpointKind"/>, <see cref="CheckpointCorruptKind"/>,
    /// <see cref="CheckpointSaveFailedKind"/> or <see cref="MeasuredKind"/>.
    /// </summary>
    public required string Kind { get; init; }
    /// <summary>The report, on a progress line.</summary>
    public TrainingProgress? Progress { get; init; }
    /// <summary>The committed checkpoint (checkpoint line) or the one skipped (checkpoint_corrupt line).</summary>
    public CheckpointRef? Checkpoint { get; init; }
    /// <summary>The attempt and step whose checkpoint could not be saved, on a checkpoint_save_failed line.</summary>
    public int? Attempt { get; init; }
    /// <inheritdoc cref="Attempt"/>
    public long? Step { get; init; }
    /// <summary>Why the checkpoint was skipped (checkpoint_corrupt) or not saved (checkpoint_save_failed).</summary>
    public string? Error { get; init; }
    /// <summary>The measured training rate in molecules/s (median step rate after a warm-up step), on a measured line.</summary>
    public double? MoleculesPerSecond { get; init; }
    /// <summary>The device the rate was measured on as ILGPU names it (e.g. "Cuda: NVIDIA H100 80GB HBM3"), on a measured line.</summary>
    public string? Device { get; init; }

    /// <summary>A progress line.</summary>
    public static RunnerMessage Of(TrainingProgress progress) => new() { Kind = ProgressKind, Progress = progress };

    /// <summary>A checkpoint line.</summary>
    public static RunnerMessage Of(CheckpointRef checkpoint) => new() { Kind = CheckpointKind, Checkpoint = checkpoint };

    /// <summary>A checkpoint_corrupt line.</summary>
    public static RunnerMessage Corrupt(CheckpointRef checkpoint, string error) => new() { Kind = CheckpointCorruptKind, Checkpoint = checkpoint, Error = error };

    /// <summary>A checkpoint_save_failed line.</summary>
    public static RunnerMessage SaveFailed(int attempt, long step, string error) =>
        new() { Kind = CheckpointSaveFailedKind, Attempt = attempt, Step = step, Error = error };

    /// <summary>A measured line.</summary>
    public static RunnerMessage Measured(double moleculesPerSecond, string device) =>
        new() { Kind = MeasuredKind, MoleculesPerSecond = moleculesPerSecond, Device = device };

    /// <summary>
    /// The message on one line of the runner's stdout; null for any other line (not a JSON object, or not valid JSON),
    /// which the worker ignores.
    /// </summary>
    public static RunnerMessage? TryParse(string line)
    {
        if (!line.StartsWith('{')) return null;
        try { return System.Text.Json.JsonSerializer.Deserialize<RunnerMessage>(line, ContractJson.Options); }
        catch (System.Text.Json.JsonException) { return null; }
    }
}

/// <summary>What the runner's <c>measure</c> mode opens (its <c>--accelerator</c>).</summary>
public static class MeasureAccelerators
{
    /// <summary>A CUDA device.</summary>
    public const string Cuda = "cuda";
    /// <summary>ILGPU's CPU accelerator standing in for a GPU (tests, dry runs: the same kernels as on a GPU).</summary>
    public const string Cpu = "cpu";
}

/// <summary>
/// Exit codes of the trial runner, so the worker can tell the trainer's own failures from the infrastructure's
/// (Silo/Worker/RunnerExitClassifier.cs). Killed by a signal shows as 128 + the signal number.
/// </summary>
public static class RunnerExitCodes
{
    /// <summary>Trained; the result file is written.</summary>
    public const int Ok = 0;
    /// <summary>The trainer failed (an exception in training, export or analysis): counts against the attempt budget.</summary>
    public const int TrialError = 1;
    /// <summary>The input was refused (spec, data path, data file): deterministic, so the trial fails at once.</summary>
    public const int BadInput = 2;
    /// <summary>The silo that started the runner is gone; the runner stopped itself.</summary>
    public const int ParentGone = 3;
    /// <summary>Checkpoint storage could not be reached: an infrastructure failure.</summary>
    public const int StorageUnreachable = 4;
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
