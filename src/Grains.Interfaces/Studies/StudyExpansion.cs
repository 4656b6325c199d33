namespace EquiGrid.Grains.Studies;

/// <summary>One trial of an expanded study: its id and configuration.</summary>
public sealed record ExpandedTrial(string TrialId, TrialConfig Config);

/// <summary>
/// Expands a study into trials: every explicit row (or the base alone when there are none) crossed with the Cartesian
/// product of the grid axes in file order (rows outermost, the last axis varies fastest), each applied over the base
/// configuration. Pure and deterministic: the same definition always gives the same trials in the same order, which
/// is what makes re-submission idempotent.
/// </summary>
public static class StudyExpansion
{
    /// <summary>Prefix of the grid keys that define free-form extra axes ("extra.optimizer").</summary>
    public const string ExtraPrefix = "extra.";

    /// <summary>Largest number of trials one study may expand to (a typo in a grid should not queue a million trials).</summary>
    public const int MaxTrials = 10_000;

    /// <summary>Trial id: "{study}/{trial name}".</summary>
    public static string TrialId(string studyId, TrialConfig config) => $"{studyId}/{config.Name}";

    /// <summary>Expands rows and grid; throws <see cref="ArgumentException"/> for invalid values, duplicates or an oversized study.</summary>
    public static IReadOnlyList<ExpandedTrial> Expand(StudyDefinition study)
    {
        long total = Math.Max(1, study.Rows.Count);
        if (total > MaxTrials) throw new ArgumentException($"trials: {study.Rows.Count} rows; at most {MaxTrials} trials per study; split the study");
        foreach (var axis in study.Axes)
        {
            if (axis.Values.Count == 0) throw new ArgumentException($"grid.{axis.Field}: the axis has no values; give at least one");
            total *= axis.Values.Count;
            if (total > MaxTrials) throw new ArgumentException($"grid: the study expands to more than {MaxTrials} trials; split the study");
        }
        var configs = new List<TrialConfig>();
        if (study.Rows.Count == 0) configs.Add(study.Base);
        for (int r = 0; r < study.Rows.Count; r++)
        {
            var c = study.Base;
            foreach (var (field, value) in study.Rows[r].Fields.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                try { c = Apply(c, field, value); }
                catch (FormatException e) { throw new ArgumentException($"trials[{r + 1}].{e.Message}", e); }
            }
            configs.Add(c);
        }
        foreach (var axis in study.Axes)
        {
            var next = new List<TrialConfig>(configs.Count * axis.Values.Count);
            foreach (var c in configs)
                foreach (var v in axis.Values)
                {
                    try { next.Add(Apply(c, axis.Field, v)); }
                    catch (FormatException e) { throw new ArgumentException("grid." + e.Message, e); }
                }
            configs = next;
        }
        var trials = configs.Select(c => new ExpandedTrial(TrialId(study.Id, c), c)).ToList();
        var dup = trials.GroupBy(t => t.TrialId).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new ArgumentException($"trials: trial {dup.Key} appears twice; remove the repeated row or axis value " +
                "(trials are named by lset, hidden, epochs, seed and extra fields: tell rows apart with an extra field)");
        return trials;
    }

    /// <summary>Applies one trial field or "extra.KEY" value; throws <see cref="FormatException"/> naming the field.</summary>
    public static TrialConfig Apply(TrialConfig c, string field, string value)
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
