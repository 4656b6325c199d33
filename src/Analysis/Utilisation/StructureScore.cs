using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>
/// How well a block's neighbourhood structure predicts a per-molecule property (NSPS): the quantitative form of
/// "this irrep's PHATE picture is organised by NSPS". See docs/analysis.md for the definition and its justification.
/// </summary>
public static class StructureScore
{
    /// <summary>Neighbours averaged by the k-NN regression.</summary>
    public const int DefaultK = UtilisationSummary.DefaultKnn;

    /// <summary>
    /// Leave-one-out k-NN regression R^2: each molecule's property is predicted as the mean over its k nearest
    /// other molecules in the column-standardised block, and R^2 = 1 - SSE/SST over all molecules.
    /// About 1 when neighbours share the property, about 0 (or below) when the block's geometry is unrelated to it.
    /// Constant columns are dropped; a block with no varying column scores NaN (it has no neighbourhood structure).
    /// </summary>
    public static double KnnRSquared(RowMatrix features, IReadOnlyList<double> target, int k = DefaultK)
    {
        if (features.Rows != target.Count)
            throw new ArgumentException($"{features.Rows} feature rows but {target.Count} target values");
        var z = features.Standardised();
        if (z.Cols == 0 || z.Rows <= k) return double.NaN;
        var nn = NearestNeighbors.Search(z, k);
        var pred = new double[z.Rows];
        for (int i = 0; i < z.Rows; i++)
        {
            double s = 0;
            for (int c = 0; c < k; c++) s += target[nn.Indices[i * k + c]];
            pred[i] = s / k;
        }
        return Statistics.RSquared(target, pred);
    }

    /// <summary>
    /// Largest |Spearman correlation| between the property and a projection of the 2-D coordinates onto a
    /// direction (180 directions, 1 degree apart). MDS axes have arbitrary rotation, so the best direction is
    /// the rotation-invariant form of "the best-correlated PHATE axis". Returns the correlation and the angle.
    /// </summary>
    public static (double Rho, double AngleDegrees) BestAxisSpearman(RowMatrix coords2d, IReadOnlyList<double> target)
    {
        if (coords2d.Cols != 2) throw new ArgumentException("expected 2-D coordinates");
        if (coords2d.Rows != target.Count) throw new ArgumentException($"{coords2d.Rows} points but {target.Count} target values");
        var rt = Statistics.Ranks(target);
        double best = double.NaN, bestAngle = 0;
        var proj = new double[coords2d.Rows];
        for (int a = 0; a < 180; a++)
        {
            double th = a * Math.PI / 180, c = Math.Cos(th), s = Math.Sin(th);
            for (int i = 0; i < proj.Length; i++) proj[i] = c * coords2d[i, 0] + s * coords2d[i, 1];
            double rho = Statistics.Pearson(Statistics.Ranks(proj), rt);
            if (double.IsNaN(rho)) continue;
            if (double.IsNaN(best) || Math.Abs(rho) > Math.Abs(best)) { best = rho; bestAngle = a; }
        }
        return (double.IsNaN(best) ? double.NaN : Math.Abs(best), bestAngle);
    }
}
