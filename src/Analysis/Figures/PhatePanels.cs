using EquiGrid.Analysis.Numerics;
using ScottPlot;

namespace EquiGrid.Analysis.Figures;

/// <summary>
/// The study's Fig. 1 equivalent: one PHATE panel for the joint embedding and one per irrep order, points coloured
/// by NSPS with a colour bar, the corner molecules circled and lettered.
/// </summary>
public static class PhatePanels
{
    private const int ColourBins = 64;

    /// <summary>One panel. <paramref name="values"/> (NSPS) may be null: points are then drawn in one colour.</summary>
    public static Plot Panel(string title, RowMatrix coords, IReadOnlyList<double>? values, IReadOnlyList<int>? corners, double vmin, double vmax, string valueLabel = "NSPS")
    {
        var plot = new Plot();
        plot.Title(title, 14);
        plot.XLabel("PHATE 1");
        plot.YLabel("PHATE 2");
        plot.Axes.Bottom.TickLabelStyle.IsVisible = false;
        plot.Axes.Left.TickLabelStyle.IsVisible = false;
        plot.Grid.IsVisible = false;
        plot.Axes.Margins(0.08, 0.08); // room for the corner letters
        var axis = new ValueColorAxis(new ScottPlot.Colormaps.Viridis(), vmin, vmax);
        float size = coords.Rows > 5000 ? 2.5f : coords.Rows > 1000 ? 3.5f : 5f;
        if (values is null)
        {
            plot.Add.Markers(Column(coords, 0, null), Column(coords, 1, null), MarkerShape.FilledCircle, size, Colors.SteelBlue);
        }
        else
        {
            // One marker series per colour bin, drawn low to high, is far cheaper than one plottable per point.
            var bins = new List<int>[ColourBins];
            for (int b = 0; b < ColourBins; b++) bins[b] = new();
            var unscored = new List<int>();
            for (int i = 0; i < coords.Rows; i++)
            {
                if (!double.IsFinite(values[i])) { unscored.Add(i); continue; } // no SMILES: grey, never a colour it has not earned
                double f = vmax > vmin ? (values[i] - vmin) / (vmax - vmin) : 0.5;
                bins[Math.Clamp((int)(f * ColourBins), 0, ColourBins - 1)].Add(i);
            }
            if (unscored.Count > 0)
                plot.Add.Markers(Column(coords, 0, unscored), Column(coords, 1, unscored), MarkerShape.FilledCircle, size, Colors.LightGray);
            for (int b = 0; b < ColourBins; b++)
            {
                if (bins[b].Count == 0) continue;
                var color = axis.Colormap.GetColor((b + 0.5) / ColourBins);
                plot.Add.Markers(Column(coords, 0, bins[b]), Column(coords, 1, bins[b]), MarkerShape.FilledCircle, size, color);
            }
            var bar = plot.Add.ColorBar(axis);
            bar.Label = valueLabel;
        }
        if (corners is not null)
            for (int c = 0; c < corners.Count; c++)
            {
                int i = corners[c];
                plot.Add.Marker(coords[i, 0], coords[i, 1], MarkerShape.OpenCircle, 14, Colors.Black);
                var t = plot.Add.Text(((char)('A' + c)).ToString(), coords[i, 0], coords[i, 1]);
                t.LabelFontSize = 13;
                t.LabelBold = true;
                t.LabelFontColor = Colors.Black;
                t.OffsetX = c % 2 == 0 ? 7 : -19; // right-hand corners: letter on the left so it is not clipped
                t.OffsetY = -7;
            }
        return plot;
    }

    private static double[] Column(RowMatrix m, int c, List<int>? rows) =>
        rows is null ? Enumerable.Range(0, m.Rows).Select(i => m[i, c]).ToArray() : rows.Select(i => m[i, c]).ToArray();
}
