namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE's automatic diffusion time: the von Neumann entropy of the spectrum of P^t falls quickly while t
/// removes noise and slowly once it starts removing structure; the knee between the two regimes is t.
/// </summary>
public static class DiffusionTime
{
    /// <summary>
    /// Entropy H(t) = -sum p_i log p_i with p_i = |lambda_i|^t / sum_j |lambda_j|^t for t = 1..tMax.
    /// |lambda| are the singular values of the symmetric conjugate of the diffusion operator, as PHATE uses
    /// singular values of its operator.
    /// </summary>
    public static double[] VonNeumannEntropy(IReadOnlyList<double> eigenvalues, int tMax)
    {
        var s = eigenvalues.Select(Math.Abs).ToArray();
        var st = (double[])s.Clone();
        var h = new double[tMax];
        for (int t = 0; t < tMax; t++)
        {
            double total = st.Sum();
            double e = 0;
            foreach (var v in st)
            {
                double p = total > 0 ? v / total : 0;
                p += 2.220446049250313e-16;
                e -= p * Math.Log(p);
            }
            h[t] = e;
            for (int i = 0; i < st.Length; i++) st[i] *= s[i];
        }
        return h;
    }

    /// <summary>
    /// Knee of a curve by the L-method (Salvador and Chan 2004): the split point that minimises the
    /// length-weighted RMS error of two straight-line fits, one left and one right of it. Returns the 0-based index.
    /// </summary>
    public static int Knee(IReadOnlyList<double> y)
    {
        int n = y.Count;
        if (n < 5) throw new ArgumentException("knee detection needs at least 5 points", nameof(y));
        int best = 1;
        double bestErr = double.PositiveInfinity;
        for (int c = 2; c <= n - 3; c++)
        {
            double left = FitRmse(y, 0, c + 1), right = FitRmse(y, c, n);
            double err = (c + 1.0) / n * left + (n - c) / (double)n * right;
            if (err < bestErr) { bestErr = err; best = c; }
        }
        return best;
    }

    /// <summary>Chooses t = knee index + 1 of the entropy curve.</summary>
    public static int Choose(IReadOnlyList<double> entropy) => Knee(entropy) + 1;

    private static double FitRmse(IReadOnlyList<double> y, int from, int to)
    {
        int m = to - from;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = from; i < to; i++) { sx += i; sy += y[i]; sxx += (double)i * i; sxy += i * y[i]; }
        double den = m * sxx - sx * sx;
        double slope = den == 0 ? 0 : (m * sxy - sx * sy) / den;
        double icpt = (sy - slope * sx) / m;
        double sse = 0;
        for (int i = from; i < to; i++) { double r = y[i] - (icpt + slope * i); sse += r * r; }
        return Math.Sqrt(sse / m);
    }
}
