using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The child-process protocol: one JSON object per stdout line, <c>{"kind":"progress",...}</c> after every progress
/// report and <c>{"kind":"checkpoint",...}</c> after every committed checkpoint; the final <c>TrialResult</c> goes to the
/// result file and the exit code is 0. Anything else on stdout is ignored by the worker; diagnostics go to stderr.
/// </summary>
public sealed record RunnerMessage
{
    /// <summary>"progress" or "checkpoint".</summary>
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

    /// <summary>Serializer settings of the protocol (shared by both ends).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
