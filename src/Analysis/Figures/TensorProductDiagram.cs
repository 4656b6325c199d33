using EquiGrid.Kernels;
using ScottPlot;

namespace EquiGrid.Analysis.Figures;

/// <summary>
/// Diagram of the tensor-product paths of an L-set: hidden inputs (left), spherical harmonics (middle), hidden
/// outputs (right); every allowed path is a line input -> harmonic -> output coloured by the harmonic's order.
/// Orders of the L-set that no path reaches or leaves stand out as isolated nodes.
/// </summary>
public static class TensorProductDiagram
{
    /// <summary>Builds the diagram for <paramref name="lset"/> with hidden multiplicity <paramref name="hidden"/>.</summary>
    public static Plot Create(LSet lset, int hidden)
    {
        var paths = TensorProductPaths.For(lset);
        var plot = new Plot();
        long weights = (long)paths.Count * hidden * hidden;
        plot.HideAxesAndGrid();
        // The title is drawn as text: hiding the axes also hides ScottPlot's title panel.
        var title = plot.Add.Text($"L = {lset}: {paths.Count} tensor-product paths, {weights:N0} weights per edge (h = {hidden})", 1.0, 1.5);
        title.LabelAlignment = Alignment.MiddleCenter;
        title.LabelFontSize = 15;
        title.LabelBold = true;
        var orders = lset.Orders;
        double Y(int l) => orders.Count == 1 ? 0 : 1.0 - 2.0 * IndexOf(orders, l) / (orders.Count - 1);
        var palette = new ScottPlot.Palettes.Category10();
        for (int pi = 0; pi < paths.Count; pi++)
        {
            var p = paths[pi];
            var color = palette.GetColor(IndexOf(orders, p.Harmonic.L)).WithAlpha(0.55);
            // Small vertical jitter per output keeps paths sharing a harmonic distinguishable.
            double yMid = Y(p.Harmonic.L) + 0.04 * (IndexOf(orders, p.Output.L) - (orders.Count - 1) / 2.0) / Math.Max(1, orders.Count);
            var line = plot.Add.ScatterLine(new[] { 0.0, 1.0, 2.0 }, new[] { Y(p.Input.L), yMid, Y(p.Output.L) }, color);
            line.LineWidth = 1.5f;
        }
        foreach (var l in orders)
        {
            var ir = Irrep.SphericalHarmonic(l);
            AddNode(plot, 0, Y(l), $"{hidden}x{ir}", Colors.Black, Alignment.MiddleRight, -10);
            AddNode(plot, 1, Y(l), $"Y{l} ({ir})", palette.GetColor(IndexOf(orders, l)), Alignment.LowerCenter, 0, -10);
            AddNode(plot, 2, Y(l), $"{hidden}x{ir}", Colors.Black, Alignment.MiddleLeft, 10);
        }
        foreach (var (x, text) in new[] { (0.0, "input x[src]"), (1.0, "spherical harmonics Y(r)"), (2.0, "output") })
        {
            var t = plot.Add.Text(text, x, 1.28);
            t.LabelAlignment = Alignment.MiddleCenter;
            t.LabelFontSize = 13;
            t.LabelBold = true;
        }
        plot.Axes.SetLimits(-0.75, 2.75, -1.2, 1.6);
        return plot;
    }

    private static void AddNode(Plot plot, double x, double y, string label, Color color, Alignment align, float dx, float dy = 0)
    {
        plot.Add.Marker(x, y, MarkerShape.FilledCircle, 12, color);
        var t = plot.Add.Text(label, x, y);
        t.LabelAlignment = align;
        t.OffsetX = dx;
        t.OffsetY = dy;
        t.LabelFontSize = 12;
    }

    private static int IndexOf(IReadOnlyList<int> list, int v)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == v) return i;
        return -1;
    }
}
