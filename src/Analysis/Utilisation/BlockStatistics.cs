using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>How much of the embedding a block carries and how many directions it really uses.</summary>
/// <param name="VarianceShare">Sum of the block's column variances over the total of all columns.</param>
/// <param name="NormShare">Block's share of the mean squared norm (uncentred energy) of the embedding.</param>
/// <param name="ParticipationRatio">(sum lambda)^2 / sum lambda^2 of the block covariance eigenvalues.</param>
/// <param name="EffectiveRank">exp(Shannon entropy of lambda / sum lambda) (Roy and Vetterli 2007).</param>
public sealed record BlockSpread(double VarianceShare, double NormShare, double ParticipationRatio, double EffectiveRank);

/// <summary>Variance, norm and rank statistics of irrep blocks.</summary>
public static class BlockStatistics
{
    /// <summary>Statistics of every block of an embedding (shares are relative to the whole embedding).</summary>
    public static IReadOnlyList<BlockSpread> Compute(RowMatrix embedding, IReadOnlyList<IrrepBlock> blocks)
    {
        int n = embedding.Rows, d = embedding.Cols;
        var mean = new double[d];
        var var_ = new double[d];
        var sq = new double[d];
        for (int i = 0; i < n; i++)
        {
            var r = embedding.Row(i);
            for (int c = 0; c < d; c++) { mean[c] += r[c]; sq[c] += r[c] * r[c]; }
        }
        for (int c = 0; c < d; c++) mean[c] /= n;
        for (int i = 0; i < n; i++)
        {
            var r = embedding.Row(i);
            for (int c = 0; c < d; c++) var_[c] += (r[c] - mean[c]) * (r[c] - mean[c]);
        }
        double totalVar = var_.Sum(), totalSq = sq.Sum();
        return blocks.Select(b =>
        {
            double v = b.Columns.Sum(c => var_[c]), s = b.Columns.Sum(c => sq[c]);
            var eig = CovarianceEigenvalues(b.Extract(embedding));
            return new BlockSpread(
                totalVar > 0 ? v / totalVar : double.NaN,
                totalSq > 0 ? s / totalSq : double.NaN,
                ParticipationRatio(eig),
                EffectiveRank(eig));
        }).ToList();
    }

    /// <summary>Eigenvalues (clipped at 0) of the sample covariance of the columns.</summary>
    public static double[] CovarianceEigenvalues(RowMatrix x)
    {
        int n = x.Rows, d = x.Cols;
        var mean = new double[d];
        for (int i = 0; i < n; i++) { var r = x.Row(i); for (int c = 0; c < d; c++) mean[c] += r[c] / n; }
        var centred = new double[n * d];
        for (int i = 0; i < n; i++) for (int c = 0; c < d; c++) centred[i * d + c] = x[i, c] - mean[c];
        // Covariance = Xc^T Xc / (n - 1): transpose once so the Gram kernel's row-dot layout applies.
        var t = new double[d * n];
        for (int i = 0; i < n; i++) for (int c = 0; c < d; c++) t[c * n + i] = centred[i * d + c];
        var cov = Numerics.GramKernel.MultiplyTransposed(t, d, t, d, n);
        for (int i = 0; i < cov.Length; i++) cov[i] /= Math.Max(1, n - 1);
        return SymmetricEigen.Decompose(new RowMatrix(d, d, cov)).Values.Select(v => Math.Max(0, v)).ToArray();
    }

    /// <summary>Participation ratio: 1 for one direction, d for d equal directions, NaN when all eigenvalues are 0.</summary>
    public static double ParticipationRatio(IReadOnlyList<double> eigenvalues)
    {
        double s = eigenvalues.Sum(), s2 = eigenvalues.Sum(v => v * v);
        return s2 > 0 ? s * s / s2 : double.NaN;
    }

    /// <summary>Entropy effective rank: 1 for one direction, d for d equal directions, NaN when all eigenvalues are 0.</summary>
    public static double EffectiveRank(IReadOnlyList<double> eigenvalues)
    {
        double s = eigenvalues.Sum();
        if (s <= 0) return double.NaN;
        double h = 0;
        foreach (var v in eigenvalues) if (v > 0) { double p = v / s; h -= p * Math.Log(p); }
        return Math.Exp(h);
    }
}
