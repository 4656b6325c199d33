using System.Text.RegularExpressions;

namespace EquiGrid.Grains.Studies;

/// <summary>Checks a <see cref="StudyDefinition"/> (wherever it came from) and returns its expansion.</summary>
public static partial class StudyValidator
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9_]{1,32}$")]
    private static partial Regex ExtraKeyPattern();

    /// <summary>True when <paramref name="id"/> is a valid study id.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Validates and expands; every problem is an <see cref="ArgumentException"/> naming the field.</summary>
    public static IReadOnlyList<ExpandedTrial> Validate(StudyDefinition study)
    {
        if (!IsValidId(study.Id))
            throw new ArgumentException($"study: '{study.Id}' is not a valid id; use letters, digits, '.', '-' or '_' (at most 64, no '/')");
        if (study.MaxAttempts is < 1 or > 100) throw new ArgumentException($"max_attempts: {study.MaxAttempts} must be in 1..100");
        if (study.Priority is < -1000 or > 1000) throw new ArgumentException($"priority: {study.Priority} must be in -1000..1000");
        // Re-apply the base values through the field parsers so a definition built in code gets the same checks as a file.
        TrialFields.Apply(study.Base, "lset", study.Base.LSet);
        TrialFields.Apply(study.Base, "hidden", study.Base.Hidden.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var seen = new HashSet<string>();
        foreach (var axis in study.Axes)
        {
            if (!seen.Add(axis.Field)) throw new ArgumentException($"grid.{axis.Field}: the axis is given twice");
            if (axis.Field.StartsWith(StudyExpansion.ExtraPrefix, StringComparison.Ordinal))
            {
                var key = axis.Field[StudyExpansion.ExtraPrefix.Length..];
                if (!ExtraKeyPattern().IsMatch(key)) throw new ArgumentException($"grid.extra.{key}: extra axis names are lower-case letters, digits and '_'");
                foreach (var v in axis.Values)
                    if (v.Length == 0 || v.Length > 64 || v.Contains('/') || v.Any(char.IsWhiteSpace))
                        throw new ArgumentException($"grid.extra.{key}: value '{v}' must be 1..64 characters without '/' or spaces");
            }
            else if (TrialFields.Canonical(axis.Field) != axis.Field)
            {
                throw new ArgumentException($"grid.{axis.Field}: unknown axis; known: {string.Join(", ", TrialFields.Names)} or extra.<name>");
            }
        }
        try
        {
            return StudyExpansion.Expand(study);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("grid." + e.Message, e);
        }
    }
}
