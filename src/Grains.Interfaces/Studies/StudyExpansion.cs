namespace EquiGrid.Grains.Studies;

/// <summary>One trial of an expanded study: its id and configuration.</summary>
public sealed record ExpandedTrial(string TrialId, TrialSpec Config);

/// <summary>
/// Expands a study's grid into trials: the Cartesian product of the axes in file order (the last axis varies
/// fastest), each applied to the base configuration. Pure and deterministic: the same definition always gives
/// the same trials in the same order, which is what makes re-submission idempotent.
/// </summary>
public static class StudyExpansion
{
    /// <summary>Prefix of the grid keys that define free-form extra axes ("extra.optimizer").</summary>
    public const string ExtraPrefix = "extra.";

    /// <summary>Largest number of trials one study may expand to (a typo in a grid should not queue a million trials).</summary>
    public const int MaxTrials = 10_000;

    /// <summary>Trial id: "{study}/{trial name}".</summary>
    public static string TrialId(string studyId, TrialSpec config) => $"{studyId}/{config.Name}";

    /// <summary>Expands the grid; throws <see cref="ArgumentException"/> for invalid values, duplicates or an oversized grid.</summary>
    public static IReadOnlyList<ExpandedTrial> Expand(StudyDefinition study)
    {
        long total = 1;
        foreach (var axis in study.Axes)
        {
            if (axis.Values.Count == 0) throw new ArgumentException($"grid.{axis.Field}: the axis has no values; give at least one");
            total *= axis.Values.Count;
            if (total > MaxTrials) throw new ArgumentException($"grid: expands to more than {MaxTrials} trials; split the study");
        }
        var configs = new List<TrialSpec> { study.Base };
        foreach (var axis in study.Axes)
        {
            var next = new List<TrialSpec>(configs.Count * axis.Values.Count);
            foreach (var c in configs)
                foreach (var v in axis.Values)
                    next.Add(ApplyAxis(c, axis.Field, v));
            configs = next;
        }
        var trials = configs.Select(c => new ExpandedTrial(TrialId(study.Id, c), c)).ToList();
        var dup = trials.GroupBy(t => t.TrialId).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"grid: trial {dup.Key} appears twice; remove the repeated value from its axis");
        return trials;
    }

    private static TrialSpec ApplyAxis(TrialSpec c, string field, string value)
    {
        if (!field.StartsWith(ExtraPrefix, StringComparison.Ordinal)) return TrialFields.Apply(c, field, value);
        var key = field[ExtraPrefix.Length..];
        var extra = new SortedDictionary<string, string>(c.Extra ?? new SortedDictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal)
        {
            [key] = value,
        };
        return c with { Extra = extra };
    }
}
