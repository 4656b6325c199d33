using System.Globalization;
using System.Text.RegularExpressions;

namespace EquiGrid.Grains.Studies;

/// <summary>
/// Checks a <see cref="StudyDefinition"/> completely (wherever it came from: the CLI runs it on the parsed file, the
/// study grain again on what it is about to store) and returns its expansion: the id, limits on size, every field of
/// every trial, and every claim. Limits (docs/cluster.md): description <see cref="MaxDescriptionLength"/> characters,
/// <see cref="StudyExpansion.MaxTrials"/> trials, <see cref="MaxClaims"/> claims of at most <see cref="MaxChecksPerClaim"/>
/// checks; the file itself at most <see cref="StudyFile.MaxFileBytes"/> bytes.
/// </summary>
public static partial class StudyValidator
{
    /// <summary>Longest description (characters): a paragraph, not a document; the definition is stored with every study.</summary>
    public const int MaxDescriptionLength = 4_000;
    /// <summary>Most claims per study.</summary>
    public const int MaxClaims = 100;
    /// <summary>Most checks per claim.</summary>
    public const int MaxChecksPerClaim = 20;
    /// <summary>Longest claim text (characters).</summary>
    public const int MaxClaimTextLength = 2_000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9_]{1,32}$")]
    private static partial Regex ExtraKeyPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    private static partial Regex ClaimIdPattern();

    /// <summary>True when <paramref name="id"/> is a valid study id.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Validates and expands; every problem is an <see cref="ArgumentException"/> naming the field and the fix.</summary>
    public static IReadOnlyList<ExpandedTrial> Validate(StudyDefinition study)
    {
        if (!IsValidId(study.Id))
            throw new ArgumentException($"study: '{study.Id}' is not a valid id; use letters, digits, '.', '-' or '_' (at most 64, no '/')");
        if (study.MaxAttempts is < 1 or > 100) throw new ArgumentException($"max_attempts: {study.MaxAttempts} must be in 1..100");
        if (study.Priority is < -1000 or > 1000) throw new ArgumentException($"priority: {study.Priority} must be in -1000..1000");
        if (study.Description is { Length: > MaxDescriptionLength } d)
            throw new ArgumentException($"description: {d.Length} characters; at most {MaxDescriptionLength} (put long text in a file next to the study)");
        if (study.Rows.Count > StudyExpansion.MaxTrials)
            throw new ArgumentException($"trials: {study.Rows.Count} rows; at most {StudyExpansion.MaxTrials}; split the study");
        var seen = new HashSet<string>();
        foreach (var axis in study.Axes)
        {
            if (!seen.Add(axis.Field)) throw new ArgumentException($"grid.{axis.Field}: the axis is given twice");
            CheckFieldName(axis.Field, $"grid.{axis.Field}");
            if (IsExtra(axis.Field)) foreach (var v in axis.Values) CheckExtraValue(axis.Field, v, $"grid.{axis.Field}");
        }
        for (int r = 0; r < study.Rows.Count; r++)
            foreach (var (field, value) in study.Rows[r].Fields)
            {
                CheckFieldName(field, $"trials[{r + 1}].{field}");
                if (IsExtra(field)) CheckExtraValue(field, value, $"trials[{r + 1}].{field}");
            }
        var trials = StudyExpansion.Expand(study);
        // Every field of every trial through the file's parsers: a definition built in code gets the file's checks.
        foreach (var t in trials)
        {
            try { TrialFields.Check(t.Config); }
            catch (FormatException e) { throw new ArgumentException($"trial {t.TrialId}: {e.Message}", e); }
        }
        ValidateClaims(study.Claims, trials);
        return trials;
    }

    /// <summary>The trials a claim side selects: every trial whose fields equal the side's <see cref="ClaimSide.Rows"/>.</summary>
    public static IReadOnlyList<ExpandedTrial> Select(ClaimSide side, IReadOnlyList<ExpandedTrial> trials) =>
        trials.Where(t => side.Rows.All(kv => FieldText(t.Config, kv.Key) == kv.Value)).ToList();

    /// <summary>A field of a configuration as the file writes it ("lset" = "0,1,2", "extra.opt" = "adamw"); null when unset.</summary>
    public static string? FieldText(TrialConfig config, string field) => IsExtra(field)
        ? config.Extra?.GetValueOrDefault(field[StudyExpansion.ExtraPrefix.Length..])
        : TrialFields.Values(config).FirstOrDefault(kv => kv.Key == field).Value;

    private static void ValidateClaims(IReadOnlyList<StudyClaim> claims, IReadOnlyList<ExpandedTrial> trials)
    {
        if (claims.Count > MaxClaims) throw new ArgumentException($"claims: {claims.Count} claims; at most {MaxClaims}");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in claims)
        {
            var label = $"claims.{claim.Id}";
            if (!ClaimIdPattern().IsMatch(claim.Id)) throw new ArgumentException($"claims: id '{claim.Id}' must be 1-32 letters, digits, '.', '-' or '_' (e.g. C1)");
            if (!ids.Add(claim.Id)) throw new ArgumentException($"{label}: the id is used twice");
            if (string.IsNullOrWhiteSpace(claim.Text) || claim.Text.Length > MaxClaimTextLength)
                throw new ArgumentException($"{label}.text: give the claim in words (1..{MaxClaimTextLength} characters)");
            if (claim.Checks.Count is 0 or > MaxChecksPerClaim)
                throw new ArgumentException($"{label}.checks: give 1..{MaxChecksPerClaim} checks");
            for (int i = 0; i < claim.Checks.Count; i++)
            {
                var c = claim.Checks[i];
                var at = $"{label}.checks[{i + 1}]";
                if (!(c.Alpha > 0 && c.Alpha <= 0.5)) throw new ArgumentException($"{at}.alpha: {Num(c.Alpha)} must be in (0, 0.5]");
                switch (c.Kind)
                {
                    case ClaimKind.Lower or ClaimKind.NotLower:
                        if (!(c.Margin >= 0) || double.IsInfinity(c.Margin)) throw new ArgumentException($"{at}.margin: {Num(c.Margin)} must be >= 0");
                        break;
                    case ClaimKind.NearZero or ClaimKind.Close:
                        if (!(c.Tolerance > 0) || double.IsInfinity(c.Tolerance)) throw new ArgumentException($"{at}.tolerance: give a positive tolerance (how close counts as close)");
                        break;
                    default: throw new ArgumentException($"{at}.kind: unknown kind {c.Kind}");
                }
                if (c.Kind == ClaimKind.NearZero && c.B is not null) throw new ArgumentException($"{at}.b: near_zero compares one sample with zero; remove b");
                if (c.Kind != ClaimKind.NearZero && c.B is null) throw new ArgumentException($"{at}.b: {KindName(c.Kind)} compares two samples; give b");
                CheckSide(c.A, $"{at}.a", trials);
                if (c.B is not null) CheckSide(c.B, $"{at}.b", trials);
            }
        }
    }

    private static void CheckSide(ClaimSide side, string label, IReadOnlyList<ExpandedTrial> trials)
    {
        if (!ClaimMetrics.IsValidName(side.Metric)) throw new ArgumentException($"{label}.metric: '{side.Metric}' is not a metric name; {ClaimMetrics.NameHelp}");
        if (side.At is not null && ClaimMetrics.ParsePercent(side.At) is null) throw new ArgumentException($"{label}.at: '{side.At}' must be 'final' or a share of training such as '30%'");
        foreach (var key in side.Rows.Keys) CheckFieldName(key, $"{label}.{key}");
        if (Select(side, trials).Count == 0)
            throw new ArgumentException($"{label}: no trial of the study has {string.Join(", ", side.Rows.Select(kv => $"{kv.Key} = {kv.Value}"))}; check the values against `submit --dry-run`");
    }

    /// <summary>The file spelling of a kind ("not_lower").</summary>
    public static string KindName(ClaimKind kind) => kind switch
    {
        ClaimKind.Lower => "lower", ClaimKind.NotLower => "not_lower", ClaimKind.NearZero => "near_zero", ClaimKind.Close => "close",
        _ => kind.ToString(),
    };

    private static bool IsExtra(string field) => field.StartsWith(StudyExpansion.ExtraPrefix, StringComparison.Ordinal);

    private static void CheckFieldName(string field, string label)
    {
        if (IsExtra(field))
        {
            if (!ExtraKeyPattern().IsMatch(field[StudyExpansion.ExtraPrefix.Length..]))
                throw new ArgumentException($"{label}: extra field names are 1-32 lower-case letters, digits and '_'");
        }
        else if (TrialFields.Canonical(field) != field)
        {
            throw new ArgumentException($"{label}: unknown field; known: {string.Join(", ", TrialFields.Names)} or extra.<name>");
        }
    }

    private static void CheckExtraValue(string field, string v, string label)
    {
        if (v.Length == 0 || v.Length > 64 || v.Contains('/') || v.Any(char.IsWhiteSpace) || v.Any(char.IsControl))
            throw new ArgumentException($"{label}: value '{v}' must be 1..64 characters without '/' or spaces");
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
