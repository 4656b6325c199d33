using System.Globalization;
using System.Text;
using ScottPlot;
using SkiaSharp;

namespace EquiGrid.Analysis.Figures;

/// <summary>Paths of one figure written in both formats.</summary>
/// <param name="Png">PNG file.</param>
/// <param name="Svg">SVG file.</param>
public sealed record FigureFiles(string Png, string Svg);

/// <summary>
/// Writes ScottPlot figures as PNG and SVG. Multi-panel figures are composed here: PNG panels are drawn onto one
/// Skia canvas, SVG panels are nested &lt;svg&gt; elements, so both formats show the same layout.
/// </summary>
public static class FigureWriter
{
    /// <summary>Saves one plot as <c>{stem}.png</c> and <c>{stem}.svg</c>.</summary>
    public static FigureFiles Save(Plot plot, string stem, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stem))!);
        plot.SavePng(stem + ".png", width, height);
        plot.SaveSvg(stem + ".svg", width, height);
        return new FigureFiles(stem + ".png", stem + ".svg");
    }

    /// <summary>Saves panels on a grid with <paramref name="columns"/> columns, each panel <paramref name="panelWidth"/> x <paramref name="panelHeight"/>.</summary>
    public static FigureFiles SaveGrid(IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight, string stem)
    {
        if (panels.Count == 0) throw new ArgumentException("no panels to draw", nameof(panels));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stem))!);
        columns = Math.Min(columns, panels.Count);
        int rows = (panels.Count + columns - 1) / columns;
        int w = columns * panelWidth, h = rows * panelHeight;
        using (var surface = SKSurface.Create(new SKImageInfo(w, h)))
        {
            surface.Canvas.Clear(SKColors.White);
            for (int i = 0; i < panels.Count; i++)
            {
                var bytes = panels[i].GetImageBytes(panelWidth, panelHeight, ImageFormat.Png);
                using var img = SKImage.FromEncodedData(bytes);
                surface.Canvas.DrawImage(img, (i % columns) * panelWidth, (i / columns) * panelHeight);
            }
            using var snap = surface.Snapshot();
            using var data = snap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(stem + ".png", data.ToArray());
        }
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        for (int i = 0; i < panels.Count; i++)
        {
            var inner = panels[i].GetSvgXml(panelWidth, panelHeight);
            int x = (i % columns) * panelWidth, y = (i / columns) * panelHeight;
            // Nesting: position the panel's own <svg> root by adding x/y attributes to it.
            int at = inner.IndexOf("<svg", StringComparison.Ordinal);
            if (at < 0) throw new InvalidOperationException("ScottPlot returned SVG without an <svg> root");
            svg.Append(inner.AsSpan(at, 4));
            svg.Append(CultureInfo.InvariantCulture, $" x=\"{x}\" y=\"{y}\"");
            svg.Append(inner.AsSpan(at + 4));
        }
        svg.Append("</svg>");
        File.WriteAllText(stem + ".svg", svg.ToString());
        return new FigureFiles(stem + ".png", stem + ".svg");
    }
}
