using EquiGrid.Grains;
using EquiGrid.Grains.Studies;
using Spectre.Console;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>
/// What a study file expands to, as <c>submit --dry-run</c> shows it: every trial with its id and every field, and the
/// claims with the trials each side selects. Nothing here contacts a cluster.
/// </summary>
internal static class StudyPlan
{
    /// <summary>The expansion as a JSON-ready object: study fields, trials (id and every field) and claims.</summary>
    public static object Json(StudyDefinition definition, IReadOnlyList<ExpandedTrial> trials) => new
    {
        Study = definition.Id,
        definition.Description,
        definition.Priority,
        definition.MaxAttempts,
        TrialCount = trials.Count,
        Trials = trials.Select(t => new
        {
            Id = t.TrialId,
            Fields = Fields(t.Config),
        }),
        Claims = definition.Claims.Select(c => new
        {
            c.Id,
            c.Text,
            Checks = c.Checks.Select(k => new
            {
                Kind = StudyValidator.KindName(k.Kind),
                k.Margin, k.Tolerance, k.Alpha,
                A = Side(k.A, trials),
                B = k.B is null ? null : Side(k.B, trials),
            }),
        }),
    };

    /// <summary>Every field of a trial in file spelling (unset ones as null: data_path null = the shipped subset), extra fields last.</summary>
    public static SortedDictionary<string, string?> Fields(TrialConfig config)
    {
        var fields = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in TrialFields.Values(config)) fields[k] = v;
        foreach (var (k, v) in config.Extra ?? new()) fields[StudyExpansion.ExtraPrefix + k] = v;
        return fields;
    }

    private static object Side(ClaimSide side, IReadOnlyList<ExpandedTrial> trials) => new
    {
        side.Metric,
        At = side.At ?? "final",
        side.Rows,
        Trials = StudyValidator.Select(side, trials).Select(t => t.TrialId),
    };

    /// <summary>Writes the readable form: a table of the fields that differ between trials, the shared ones below, then the claims.</summary>
    public static void Print(StudyDefinition definition, IReadOnlyList<ExpandedTrial> trials)
    {
        var all = trials.Select(t => Fields(t.Config)).ToList();
        var names = all.SelectMany(f => f.Keys).Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList();
        var varying = names.Where(n => all.Select(f => f.GetValueOrDefault(n)).Distinct().Count() > 1).ToList();
        var table = new Table().AddColumn("trial");
        foreach (var n in varying) table.AddColumn(Markup.Escape(n));
        foreach (var (t, f) in trials.Zip(all))
            table.AddRow([Markup.Escape(t.TrialId), .. varying.Select(n => Markup.Escape(f.GetValueOrDefault(n) ?? "-"))]);
        Console.WriteLine($"study {definition.Id}: {trials.Count} trials (valid; nothing submitted)");
        AnsiConsole.Write(table);
        var shared = names.Except(varying).Select(n => $"{n} = {all[0].GetValueOrDefault(n) ?? "(shipped subset)"}");
        Console.WriteLine("every trial: " + string.Join(", ", shared));
        foreach (var c in definition.Claims)
        {
            Console.WriteLine($"claim {c.Id}: {c.Text}");
            foreach (var k in c.Checks)
            {
                string S(ClaimSide s) => $"{s.Metric}{(s.At is null ? "" : " at " + s.At)} of {StudyValidator.Select(s, trials).Count} trials ({string.Join(", ", s.Rows.Select(kv => $"{kv.Key}={kv.Value}"))})";
                Console.WriteLine($"  {StudyValidator.KindName(k.Kind)}: {S(k.A)}{(k.B is null ? "" : " vs " + S(k.B))}");
            }
        }
    }
}
