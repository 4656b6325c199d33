namespace EquiGrid.Analysis.Numerics;

/// <summary>Correlation and goodness-of-fit statistics used by the utilisation metrics and the quality checks.</summary>
public static class Statistics
{
    /// <summary>Arithmetic mean.</summary>
    public static double Mean(IReadOnlyList<double> x)
    {
        double s = 0;
        for (int i = 0; i < x.Count; i++) s += x[i];
        return x.Count == 0 ? double.NaN : s / x.Count;
    }

    /// <summary>Pearson correlation; NaN when either side is constant.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"lengths differ: {x.Count} vs {y.Count}");
        double mx = Mean(x), my = Mean(y), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double a = x[i] - mx, b = y[i] - my;
            sxy += a * b; sxx += a * a; syy += b * b;
        }
        return sxx <= 0 || syy <= 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Ranks 1..n with ties given their average rank.</summary>
    public static double[] Ranks(IReadOnlyList<double> x)
    {
        var order = Enumerable.Range(0, x.Count).OrderBy(i => x[i]).ThenBy(i => i).ToArray();
        var r = new double[x.Count];
        int p = 0;
        while (p < order.Length)
        {
            int q = p;
            while (q + 1 < order.Length && x[order[q + 1]] == x[order[p]]) q++;
            double avg = (p + q) / 2.0 + 1;
            for (int t = p; t <= q; t++) r[order[t]] = avg;
            p = q + 1;
        }
        return r;
    }

    /// <summary>Spearman rank correlation (Pearson on average ranks).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    /// <summary>Coefficient of determination 1 - SSE/SST of predictions against truth (negative when worse than the mean).</summary>
    public static double RSquared(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"lengths differ: {truth.Count} vs {predicted.Count}");
        double m = Mean(truth), sse = 0, sst = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            sse += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
            sst += (truth[i] - m) * (truth[i] - m);
        }
        return sst <= 0 ? double.NaN : 1 - sse / sst;
    }
}
