using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The child-process protocol: one JSON object per stdout line, <c>{"kind":"progress",...}</c> after every progress
/// report, <c>{"kind":"checkpoint",...}</c> after every committed checkpoint and <c>{"kind":"checkpoint_failed",
/// "reason":"save"|"corrupt","error":...}</c> when a checkpoint could not be saved or was skipped on load; the final <c>TrialResult</c> goes to the
/// result file and the exit code is 0. Anything else on stdout is ignored by the worker; diagnostics go to stderr.
/// </summary>
public sealed record RunnerMessage
{
    /// <summary>"progress", "checkpoint" or "checkpoint_failed".</summary>
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
    /// <summary>checkpoint_failed: "save" (the store refused or lost the write) or "corrupt" (skipped on load).</summary>
    public string? Reason { get; init; }
    /// <summary>checkpoint_failed: what went wrong.</summary>
    public string? Error { get; init; }

    /// <summary>Serializer settings of the protocol (shared by both ends).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
