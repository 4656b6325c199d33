using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Contracts;

/// <summary>
/// Where a trial is in its life. Queued -> Leased -> Running -> Checkpointed (-> Running -> Checkpointed ...)
/// -> Completed | Failed | Cancelled. A lapsed lease or a failed attempt goes back to Queued while attempts remain.
/// In JSON (the study table, the runner protocol) a lower-case word: "queued", "completed", ...
/// </summary>
[JsonConverter(typeof(LowerCaseEnumJsonConverter<TrialStatus>))]
public enum TrialStatus
{
    /// <summary>Waiting for a worker.</summary>
    Queued = 0,
    /// <summary>A worker holds a lease but has not reported progress yet.</summary>
    Leased = 1,
    /// <summary>The worker's child process is training.</summary>
    Running = 2,
    /// <summary>Training, and a checkpoint was committed since the last progress report.</summary>
    Checkpointed = 3,
    /// <summary>Finished with a result (terminal).</summary>
    Completed = 4,
    /// <summary>Out of attempts (terminal).</summary>
    Failed = 5,
    /// <summary>Cancelled by the user (terminal).</summary>
    Cancelled = 6,
}

/// <summary>Writes a contract enum as its snake_case name ("completed", "completed_with_failures"): the words `status` and `results` print.</summary>
public sealed class LowerCaseEnumJsonConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) where T : struct, Enum;

/// <summary>Helpers on <see cref="TrialStatus"/>.</summary>
public static class TrialStatusExtensions
{
    /// <summary>True for Completed, Failed and Cancelled.</summary>
    public static bool IsTerminal(this TrialStatus s) => s is TrialStatus.Completed or TrialStatus.Failed or TrialStatus.Cancelled;

    /// <summary>True while a worker holds the trial (Leased, Running, Checkpointed).</summary>
    public static bool IsHeld(this TrialStatus s) => s is TrialStatus.Leased or TrialStatus.Running or TrialStatus.Checkpointed;
}
