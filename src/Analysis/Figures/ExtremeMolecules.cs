using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Figures;

/// <summary>The molecule nearest to one corner of a 2-D projection.</summary>
public sealed record CornerMolecule(string Panel, string Corner, int Row, string Id, string Smiles, double? Nsps, double X, double Y);

/// <summary>
/// Extreme molecules of a projection: for each corner of the bounding box, the molecule nearest to it after
/// scaling both axes to [0, 1] (so a long axis does not dominate). The reference study read these by eye.
/// </summary>
public static class ExtremeMolecules
{
    /// <summary>Corner names in reading order.</summary>
    public static readonly string[] Corners = ["top-left", "top-right", "bottom-left", "bottom-right"];

    /// <summary>Finds the molecule nearest to each corner of <paramref name="coords"/>.</summary>
    public static IReadOnlyList<CornerMolecule> Find(string panel, RowMatrix coords, EmbeddingSet set)
    {
        if (coords.Rows != set.Count)
            throw new InvalidDataException($"{panel}: projection has {coords.Rows} points but the embedding set has {set.Count} molecules");
        double x0 = double.MaxValue, x1 = double.MinValue, y0 = double.MaxValue, y1 = double.MinValue;
        for (int i = 0; i < coords.Rows; i++)
        {
            x0 = Math.Min(x0, coords[i, 0]); x1 = Math.Max(x1, coords[i, 0]);
            y0 = Math.Min(y0, coords[i, 1]); y1 = Math.Max(y1, coords[i, 1]);
        }
        double sx = x1 > x0 ? x1 - x0 : 1, sy = y1 > y0 ? y1 - y0 : 1;
        var targets = new (double X, double Y)[] { (0, 1), (1, 1), (0, 0), (1, 0) };
        var result = new List<CornerMolecule>();
        for (int c = 0; c < 4; c++)
        {
            int best = 0;
            double bestD = double.MaxValue;
            for (int i = 0; i < coords.Rows; i++)
            {
                double dx = (coords[i, 0] - x0) / sx - targets[c].X, dy = (coords[i, 1] - y0) / sy - targets[c].Y;
                double d = dx * dx + dy * dy;
                if (d < bestD) { bestD = d; best = i; }
            }
            result.Add(new CornerMolecule(panel, Corners[c], best, set.Ids[best], set.Smiles[best], set.Nsps?[best], coords[best, 0], coords[best, 1]));
        }
        return result;
    }
}
