using System.Globalization;
using System.Net;
using System.Text;
using EquiGrid.Grains;
using EquiGrid.Grains.Studies;

namespace EquiGrid.Analysis.Claims;

/// <summary>A study's claims with the trials they are checked against (from the study file kept with the results).</summary>
/// <param name="Definition">The study definition (its <see cref="StudyDefinition.Claims"/> are evaluated).</param>
/// <param name="Trials">Its expansion: claim sides select trials by their fields; a trial's row is found by its name.</param>
public sealed record StudyClaims(StudyDefinition Definition, IReadOnlyList<ExpandedTrial> Trials)
{
    /// <summary>Evaluates the claims against the rows of the study table (a trial without a result has no numbers).</summary>
    public IReadOnlyList<ClaimResult> Evaluate(StudyTable table)
    {
        var results = table.Rows.Where(r => r.Result is not null).ToDictionary(r => r.Trial, r => r.Result!, StringComparer.Ordinal);
        return ClaimEvaluator.Evaluate(Definition, Trials, name => results.TryGetValue(name, out var r) ? TrialMetrics.Read(r) : null);
    }
}

/// <summary>The report's "Claims" section in HTML and Markdown: a verdict table, then every check with means, spread and test.</summary>
public static class ClaimsReport
{
    /// <summary>What the section says about the statistics (shown under the table).</summary>
    public const string Method =
        "Each check compares the metric across the seeds of the selected rows: a paired t-test over seeds when both sides have the same seeds, " +
        "otherwise Welch's t-test (one sample: a one-sample t-test); lower/not_lower are one-sided, near_zero/close are TOST equivalence tests. " +
        "A claim holds when every check holds, does not hold when one check's opposite is significant; with fewer than 2 seeds a side cannot be tested " +
        "(inconclusive). Alphas are per check, without multiplicity correction; a number that was not produced is reported as not measured, never guessed.";

    /// <summary>HTML fragment (empty when there are no claims).</summary>
    public static string Html(IReadOnlyList<ClaimResult> claims)
    {
        if (claims.Count == 0) return "";
        string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder("<h2>Claims</h2><table id=\"claims\"><thead><tr><th>claim</th><th>statement</th><th>verdict</th></tr></thead><tbody>");
        foreach (var c in claims)
            sb.Append("<tr class=\"claim\"><td>").Append(E(c.Id)).Append("</td><td style=\"text-align:left\">").Append(E(c.Text))
              .Append("</td><td class=\"verdict\">").Append(E(ClaimEvaluator.Words(c.Verdict))).Append("</td></tr>");
        sb.Append("</tbody></table><p>").Append(E(Method)).Append("</p><table id=\"claim-checks\"><thead><tr>");
        foreach (var h in CheckHeader) sb.Append("<th>").Append(E(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var c in claims)
            foreach (var row in CheckRows(c))
            {
                sb.Append("<tr>");
                foreach (var cell in row) sb.Append("<td style=\"text-align:left\">").Append(E(cell)).Append("</td>");
                sb.Append("</tr>");
            }
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>Markdown section (empty when there are no claims).</summary>
    public static string Markdown(IReadOnlyList<ClaimResult> claims)
    {
        if (claims.Count == 0) return "";
        var sb = new StringBuilder();
        sb.AppendLine("## Claims").AppendLine();
        sb.AppendLine("| claim | statement | verdict |").AppendLine("|---|---|---|");
        foreach (var c in claims) sb.AppendLine($"| {Cell(c.Id)} | {Cell(c.Text)} | **{ClaimEvaluator.Words(c.Verdict)}** |");
        sb.AppendLine().AppendLine(Method).AppendLine();
        sb.AppendLine("| " + string.Join(" | ", CheckHeader) + " |").AppendLine("|" + string.Concat(CheckHeader.Select(_ => "---|")));
        foreach (var c in claims)
            foreach (var row in CheckRows(c)) sb.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        return sb.AppendLine().ToString();
    }

    private static readonly string[] CheckHeader = ["claim", "check", "A: mean ± sd (n)", "B: mean ± sd (n)", "test", "verdict"];

    private static IEnumerable<string[]> CheckRows(ClaimResult c) => c.Checks.Select(k => new[]
    {
        c.Id, k.Statement, Summary(k.A), k.B is null ? "–" : Summary(k.B), k.Test,
        $"{ClaimEvaluator.Words(k.Verdict)}: {k.Reason}",
    });

    private static string Summary(ClaimSideResult s) =>
        s.Missing is not null && s.N == 0 ? "not measured"
        : $"{F(s.Mean)} ± {F(s.StdDev)} ({s.N})";

    private static string F(double? v) => v is { } d ? d.ToString("0.####", CultureInfo.InvariantCulture) : "n/a";

    private static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
