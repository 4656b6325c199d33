namespace EquiGrid.Grains;

/// <summary>
/// A validated study: a base trial configuration and the grid axes to expand over it. Built from a study file
/// by <see cref="Studies.StudyFile"/>, checked again by <see cref="Studies.StudyValidator"/> inside the grain.
/// </summary>
[GenerateSerializer, Immutable, Alias("equigrid.StudyDefinition")]
public sealed record StudyDefinition
{
    /// <summary>Study id: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public required string Id { get; init; }
    /// <summary>Higher runs first; studies of equal priority share the cluster fairly.</summary>
    [Id(1)] public int Priority { get; init; }
    /// <summary>Attempts per trial before it is marked failed.</summary>
    [Id(2)] public int MaxAttempts { get; init; } = 3;
    /// <summary>Values shared by every trial (the grid overrides the fields it names).</summary>
    [Id(3)] public required TrialSpec Base { get; init; }
    /// <summary>Grid axes in file order: field name (see <see cref="TrialFields"/>) and its values as text.</summary>
    [Id(4)] public required IReadOnlyList<GridAxis> Axes { get; init; }
    /// <summary>Free text shown in reports.</summary>
    [Id(5)] public string? Description { get; init; }
    /// <summary>
    /// Explicit trials (rows of a table), each a set of trial fields over <see cref="Base"/>; every row is crossed with
    /// the <see cref="Axes"/>. Empty = one row, the base itself (a pure grid).
    /// </summary>
    [Id(6)] public IReadOnlyList<TrialRow> Rows { get; init; } = [];
    /// <summary>Claims about the study's own numbers, checked by the report.</summary>
    [Id(7)] public IReadOnlyList<StudyClaim> Claims { get; init; } = [];
}

/// <summary>One explicit trial row: trial field names (see <see cref="TrialFields"/>, or "extra.KEY") and values as text.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialRow")]
public sealed record TrialRow([property: Id(0)] IReadOnlyDictionary<string, string> Fields);

/// <summary>One axis of the grid: a trial field and the values it takes.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.GridAxis")]
public sealed record GridAxis([property: Id(0)] string Field, [property: Id(1)] IReadOnlyList<string> Values);

/// <summary>A study as the CLI shows it: definition, state and the table of its trials.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.StudySnapshot")]
public sealed record StudySnapshot
{
    /// <summary>The study's id (its grain key).</summary>
    [Id(0)] public required string StudyId { get; init; }
    /// <summary>Where the study stands: derived from its trials' statuses, or cancelled.</summary>
    [Id(1)] public StudyStatus Status { get; init; }
    /// <summary>The definition as submitted; null for a study that was never submitted.</summary>
    [Id(2)] public StudyDefinition? Definition { get; init; }
    /// <summary>Scheduling priority (higher goes first).</summary>
    [Id(3)] public int Priority { get; init; }
    /// <summary>The study table's rows, in grid order.</summary>
    [Id(4)] public IReadOnlyList<StudyTableRow> Rows { get; init; } = [];
    /// <summary>When the study was submitted.</summary>
    [Id(5)] public DateTimeOffset? SubmittedAt { get; init; }
    /// <summary>When its last trial reached a final status; null while any is still queued or running.</summary>
    [Id(6)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Trials per status.</summary>
    public int Count(TrialStatus s) => Rows.Count(r => r.Status == s);

    /// <summary>The study table (what <c>results --json</c> prints and <c>pull</c> and <c>run</c> save).</summary>
    public StudyTable Table() => new() { Study = StudyId, Status = Status, Rows = Rows };
}

/// <summary>
/// Scheduler view for the CLI: studies, nodes, queued and leased trials, leases granted in total, live trials tracked,
/// and queued trials that fit no live node (their memory or device is not offered; they wait for such a node).
/// </summary>
[GenerateSerializer, Immutable, Alias("equigrid.SchedulerSnapshot")]
public sealed record SchedulerSnapshot(
    [property: Id(0)] IReadOnlyList<string> Studies,
    [property: Id(1)] IReadOnlyList<string> Nodes,
    [property: Id(2)] int Pending,
    [property: Id(3)] int Leased,
    [property: Id(4)] long Dispatched,
    [property: Id(5)] int Tracked = 0,
    [property: Id(6)] int FitNoLiveNode = 0);
