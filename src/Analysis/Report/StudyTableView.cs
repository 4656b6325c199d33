using System.Globalization;
using System.Text;

namespace EquiGrid.Analysis.Report;

/// <summary>
/// How the report prints the study table (<see cref="StudyTable"/>): one line per trial with its spec and test errors,
/// then per order the cells of its utilisation summary.
/// </summary>
public static class StudyTableView
{
    /// <summary>What the per-l cells hold, printed under the table.</summary>
    public const string Legend =
        "Per-l cells: share of the embedding variance / structure score (leave-one-out 10-NN R² of NSPS) after the final block / " +
        "the same before the final block, on the analysed split; \"Δ\": the largest change of the test error when that order is " +
        "zeroed after one block (the block in brackets; the final block is not a candidate for l > 0, where the readout cannot see the order).";

    /// <summary>The utilisation of order <paramref name="l"/> after the final block in a row's summary, or null.</summary>
    public static BlockUtilisation? Block(StudyTableRow row, int l) => row.Result?.Utilisation?.Blocks.FirstOrDefault(b => b.L == l);

    /// <summary>The same before the final block, or null.</summary>
    public static BlockUtilisation? BlockBeforeFinal(StudyTableRow row, int l) => row.Result?.Utilisation?.BeforeFinal?.Blocks.FirstOrDefault(b => b.L == l);

    /// <summary>Every order with a utilisation entry in any row, ascending.</summary>
    public static IReadOnlyList<int> Orders(StudyTable table) =>
        table.Rows.SelectMany(r => r.Result?.Utilisation?.Blocks.Select(b => b.L) ?? []).Distinct().Order().ToList();

    private static bool HasAblation(StudyTable table) =>
        table.Rows.Any(r => r.Result?.Utilisation?.Blocks.Any(b => b.AblationMaxDelta is not null) == true);

    /// <summary>Header cells, shared by the Markdown and HTML renderings.</summary>
    public static IReadOnlyList<string> Header(StudyTable table)
    {
        var orders = Orders(table);
        return new[] { "trial", "L", "h", "epochs", "params", "test MSE (norm.)", "MAE (eV)", "RMSE (eV)" }
            .Concat(orders.Select(l => $"l={l} var / R² / R² before final"))
            .Concat(HasAblation(table) ? orders.Select(l => $"l={l} Δ") : []).ToList();
    }

    /// <summary>Body cells per row, formatted ("n/a" where a number is not available, "–" where the order has no entry).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Cells(StudyTable table)
    {
        var orders = Orders(table);
        bool ablation = HasAblation(table);
        return table.Rows.Select(r =>
        {
            var res = r.Result;
            var cells = new List<string>
            {
                r.Trial, $"[{r.Spec.LSet}]", Fmt(r.Spec.Hidden), Fmt(r.Spec.Epochs), res?.Parameters.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a",
                Fmt(res?.TestMseNormalized, "F3"), Fmt(res?.TestMaeEv, "F3"), Fmt(res?.TestRmseEv, "F3"),
            };
            cells.AddRange(orders.Select(l => Block(r, l) is { } b
                ? $"{Fmt(b.VarianceShare * 100, "F1")}% / {Fmt(b.StructureKnnR2, "F2")} / {Fmt(BlockBeforeFinal(r, l)?.StructureKnnR2, "F2")}" : "–"));
            if (ablation)
                cells.AddRange(orders.Select(l => Block(r, l) is { AblationMaxDelta: { } d } b
                    ? $"{(d >= 0 ? "+" : "")}{d.ToString("G3", CultureInfo.InvariantCulture)} ({b.AblationMaxLayer?.Replace('_', ' ')})" : "n/a"));
            return (IReadOnlyList<string>)cells;
        }).ToList();
    }

    /// <summary>GitHub-flavoured Markdown table.</summary>
    public static string ToMarkdown(StudyTable table)
    {
        var header = Header(table);
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", header) + " |");
        sb.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var row in Cells(table)) sb.AppendLine("| " + string.Join(" | ", row) + " |");
        return sb.ToString();
    }

    private static string Fmt(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Fmt(double? v, string f) => v is { } d && double.IsFinite(d) ? d.ToString(f, CultureInfo.InvariantCulture) : "n/a";
}
