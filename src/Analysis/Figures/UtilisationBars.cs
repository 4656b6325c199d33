using EquiGrid.Analysis.Report;
using ScottPlot;

namespace EquiGrid.Analysis.Figures;

/// <summary>Grouped bars per irrep order across trials: one group per l, one bar per trial.</summary>
public static class UtilisationBars
{
    /// <summary>
    /// A bar chart of <paramref name="metric"/> (a per-l value of a study-table row's utilisation; null bars are left out)
    /// with a legend naming the trials.
    /// </summary>
    public static Plot Create(StudyTable table, string title, string yLabel, Func<BlockUtilisation, double?> metric)
    {
        var plot = new Plot();
        plot.Title(title, 14);
        plot.YLabel(yLabel);
        plot.XLabel("irrep order l");
        var orders = StudyTableView.Orders(table);
        int nt = Math.Max(1, table.Rows.Count);
        double width = 0.8 / nt;
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (int t = 0; t < table.Rows.Count; t++)
        {
            var color = palette.GetColor(t);
            foreach (var cell in table.Rows[t].Result?.Utilisation?.Blocks ?? [])
            {
                if (metric(cell) is not { } v || !double.IsFinite(v)) continue;
                int g = IndexOf(orders, cell.L);
                bars.Add(new Bar { Position = g - 0.4 + width * (t + 0.5), Value = v, Size = width * 0.95, FillColor = color, LineWidth = 0 });
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = table.Rows[t].Trial, FillColor = color });
        }
        if (bars.Count > 0) plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            orders.Select((_, i) => (double)i).ToArray(), orders.Select(l => $"l={l}").ToArray());
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static int IndexOf(IReadOnlyList<int> list, int v)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == v) return i;
        return -1;
    }
}
