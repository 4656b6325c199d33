using System.Text.Json.Serialization;

namespace EquiGrid.Contracts;

/// <summary>
/// The study table: one row per trial of a study, in grid order. The study grain keeps it (each row updated when its
/// trial finishes), <c>status</c> and <c>results</c> show it, <c>pull</c> and <c>run</c> save it as
/// <c>study_table.json</c> (<see cref="FileName"/>) beside the trials' analysis folders, and the report renders it.
/// </summary>
public sealed record StudyTable
{
    /// <summary>The file a study folder keeps its table in (written by <c>pull</c> and <c>run</c>, read by <c>report</c>).</summary>
    public const string FileName = "study_table.json";

    /// <summary>Study id.</summary>
    public required string Study { get; init; }
    /// <summary>Where the study was when the table was read (a table pulled while it runs has rows still to finish).</summary>
    public StudyStatus Status { get; init; }
    /// <summary>One row per trial, in grid order.</summary>
    public required IReadOnlyList<StudyTableRow> Rows { get; init; }
}

/// <summary>One trial of the study table: its spec, where it is, and (once completed) its result with the utilisation summary.</summary>
public sealed record StudyTableRow
{
    /// <summary>Full trial id, "{study}/{trial name}".</summary>
    public required string TrialId { get; init; }
    /// <summary>The trial's spec.</summary>
    public required TrialSpec Spec { get; init; }
    /// <summary>Where the trial is (terminal rows no longer change).</summary>
    public TrialStatus Status { get; init; }
    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; init; }
    /// <summary>The result of a completed trial (with its utilisation summary when the trial exported embeddings); null before.</summary>
    public TrialResult? Result { get; init; }
    /// <summary>The last attempt's error, for a failed trial.</summary>
    public string? Error { get; init; }

    /// <summary>The trial's name (the id's part after the study), which is also its analysis folder's name.</summary>
    [JsonIgnore]
    public string Trial => TrialId[(TrialId.IndexOf('/') + 1)..];
}

/// <summary>Lifecycle of a study. In JSON a lower-case word: "running", "completed_with_failures", ...</summary>
[JsonConverter(typeof(LowerCaseEnumJsonConverter<StudyStatus>))]
public enum StudyStatus
{
    /// <summary>Not submitted.</summary>
    None = 0,
    /// <summary>Trials are queued or running.</summary>
    Running = 1,
    /// <summary>Every trial completed.</summary>
    Completed = 2,
    /// <summary>Every trial is terminal and at least one failed.</summary>
    CompletedWithFailures = 3,
    /// <summary>Cancelled by the user.</summary>
    Cancelled = 4,
}
