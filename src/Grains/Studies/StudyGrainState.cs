namespace EquiGrid.Grains.Studies;

/// <summary>Persistent state of a study grain: its definition and the study table.</summary>
[GenerateSerializer, Alias("equigrid.StudyGrainState")]
public sealed class StudyGrainState
{
    [Id(0)] public StudyDefinition? Definition { get; set; }
    [Id(1)] public StudyStatus Status { get; set; }
    [Id(2)] public int Priority { get; set; }
    /// <summary>Trial ids in grid order.</summary>
    [Id(3)] public List<string> TrialIds { get; set; } = [];
    /// <summary>The study table, one row per trial, keyed by trial id.</summary>
    [Id(4)] public Dictionary<string, StudyTableRow> Rows { get; set; } = [];
    [Id(5)] public DateTimeOffset? SubmittedAt { get; set; }
    [Id(6)] public DateTimeOffset? FinishedAt { get; set; }
}
