using System.Text.Json;
using System.Text.Json.Serialization;
using EquiGrid.Grains;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The child-process protocol: one JSON object per stdout line, <c>{"kind":"progress",...}</c> after every progress
/// report and <c>{"kind":"checkpoint",...}</c> after every committed checkpoint; the final <c>TrialResult</c> goes to the
/// result file and the exit code is 0. <c>{"kind":"checkpoint_corrupt",...}</c> reports a checkpoint the resume skipped
/// because it did not verify, <c>{"kind":"checkpoint_save_failed",...}</c> one that could not be saved. Anything else on stdout is ignored by the worker; diagnostics go to stderr, which the
/// worker logs line by line. The exit code says how an attempt ended (<see cref="RunnerExitCodes"/>).
/// </summary>
public sealed record RunnerMessage
{
    /// <summary>"progress", "checkpoint", "checkpoint_corrupt" or "checkpoint_save_failed".</summary>
    public required string Kind { get; init; }
    public int Epoch { get; init; }
    public long Step { get; init; }
    public long TotalSteps { get; init; }
    public double TrainLoss { get; init; }
    public double? ValLoss { get; init; }
    public double MoleculesPerSecond { get; init; }
    public bool EpochEnd { get; init; }
    public int Attempt { get; init; }
    public string? Location { get; init; }
    public string? Sha256 { get; init; }
    public long Bytes { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Why a checkpoint was skipped ("checkpoint_corrupt") or not saved ("checkpoint_save_failed").</summary>
    public string? Error { get; init; }

    /// <summary>Serializer settings of the protocol (shared by both ends).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>
/// Exit codes of the trial runner, so the worker can tell the trainer's own failures from the infrastructure's.
/// Killed by a signal shows as 128 + the signal number.
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

    /// <summary>
    /// The failure kind of a runner's exit code: bad input, storage unreachable and a kill by SIGHUP, SIGINT, SIGKILL
    /// or SIGTERM (the node's doing: OOM killer, operator, supervisor) are not the trial's own failure; crash signals
    /// such as SIGSEGV or SIGABRT are.
    /// </summary>
    public static FailureKind Classify(int exitCode) => exitCode switch
    {
        BadInput => FailureKind.BadInput,
        StorageUnreachable or ParentGone => FailureKind.Infrastructure,
        128 + 1 or 128 + 2 or 128 + 9 or 128 + 15 => FailureKind.Infrastructure,
        _ => FailureKind.Trial,
    };

    /// <summary>Readable form of an exit code ("137 (SIGKILL)").</summary>
    public static string Describe(int exitCode) => exitCode switch
    {
        128 + 1 => "129 (SIGHUP)", 128 + 2 => "130 (SIGINT)", 128 + 6 => "134 (SIGABRT)", 128 + 9 => "137 (SIGKILL)",
        128 + 11 => "139 (SIGSEGV)", 128 + 15 => "143 (SIGTERM)",
        _ => exitCode.ToString(),
    };
}
