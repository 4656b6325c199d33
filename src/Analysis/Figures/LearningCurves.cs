using ScottPlot;

namespace EquiGrid.Analysis.Figures;

/// <summary>Train (thick line) and validation (thin line, open circles) loss per epoch for every trial, on a log10 scale.</summary>
public static class LearningCurves
{
    /// <summary>Builds the plot; trials with no epochs are skipped.</summary>
    public static Plot Create(IReadOnlyList<(string Trial, IReadOnlyList<EpochMetrics> Curve)> curves)
    {
        var plot = new Plot();
        plot.Title("Learning curves (normalised MSE)", 14);
        plot.XLabel("epoch");
        plot.YLabel("log10 loss");
        var palette = new ScottPlot.Palettes.Category10();
        for (int t = 0; t < curves.Count; t++)
        {
            var (trial, curve) = curves[t];
            if (curve.Count == 0) continue;
            var color = palette.GetColor(t);
            var train = curve.Where(p => p.TrainLoss > 0).ToArray();
            if (train.Length > 0)
            {
                var s = plot.Add.Scatter(train.Select(p => (double)p.Epoch + 1).ToArray(), train.Select(p => Math.Log10(p.TrainLoss)).ToArray(), color);
                s.LegendText = $"{trial} train";
                s.LineWidth = 2;
                s.MarkerSize = 0;
            }
            var val = curve.Where(p => p.ValLoss > 0).ToArray();
            if (val.Length > 0)
            {
                var s = plot.Add.Scatter(val.Select(p => (double)p.Epoch + 1).ToArray(), val.Select(p => Math.Log10(p.ValLoss)).ToArray(), color);
                s.LegendText = $"{trial} val";
                // Validation: thin line with open markers (SVG export cannot draw dash patterns).
                s.LineWidth = 1;
                s.MarkerShape = MarkerShape.OpenCircle;
                s.MarkerSize = 7;
            }
        }
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
