using ScottPlot;

namespace EquiGrid.Analysis.Figures;

/// <summary>A colour scale for a colour bar that is not tied to a heatmap (ScottPlot's ColorBar needs an <see cref="IHasColorAxis"/>).</summary>
public sealed class ValueColorAxis(IColormap colormap, double min, double max) : IHasColorAxis
{
    /// <inheritdoc />
    public IColormap Colormap { get; set; } = colormap;

    /// <summary>Smallest value of the scale.</summary>
    public double Min { get; } = min;

    /// <summary>Largest value of the scale.</summary>
    public double Max { get; } = max;

    /// <inheritdoc />
    public ScottPlot.Range GetRange() => new(Min, Max);

    /// <summary>Colour of a value (clamped to the range).</summary>
    public Color ColorOf(double v) => Colormap.GetColor(Max > Min ? Math.Clamp((v - Min) / (Max - Min), 0, 1) : 0.5);
}
