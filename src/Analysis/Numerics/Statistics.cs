using MathNet.Numerics;
using MathNet.Numerics.Statistics;

namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// Correlation and goodness-of-fit statistics used by the utilisation metrics and the quality checks, computed by
/// MathNet.Numerics. This class only pins the conventions the metrics rely on: ties share their average rank, and a
/// constant side has no correlation (NaN) and no R^2 (NaN) rather than an infinity.
/// </summary>
public static class Statistics
{
    /// <summary>Pearson correlation; NaN when either side is constant.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"lengths differ: {x.Count} vs {y.Count}");
        return Correlation.Pearson(x, y);
    }

    /// <summary>Ranks 1..n with ties given their average rank.</summary>
    public static double[] Ranks(IReadOnlyList<double> x) => MathNet.Numerics.Statistics.Statistics.Ranks(x, RankDefinition.Average);

    /// <summary>Spearman rank correlation (Pearson on average ranks).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    /// <summary>Coefficient of determination 1 - SSE/SST of predictions against truth (negative when worse than the mean).</summary>
    public static double RSquared(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"lengths differ: {truth.Count} vs {predicted.Count}");
        // MathNet divides by SST as is: a constant truth gives -infinity or NaN; either way there is no R^2.
        var r2 = GoodnessOfFit.CoefficientOfDetermination(predicted, truth);
        return double.IsFinite(r2) ? r2 : double.NaN;
    }
}
