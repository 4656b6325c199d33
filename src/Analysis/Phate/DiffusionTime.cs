using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE's automatic diffusion time, as PHATE 1.0.11 chooses it: the von Neumann entropy of the singular values of
/// the row-stochastic diffusion operator P raised to the powers 1..tMax falls quickly while diffusion removes noise
/// and slowly once it starts removing structure; t is the 0-based index of the knee of that curve.
/// </summary>
public static class DiffusionTime
{
    /// <summary>
    /// Entropy H(i) = -sum p_k log p_k with p_k = s_k^(i+1) / sum_j s_j^(i+1) + machine epsilon, i = 0..tMax-1 (PHATE adds
    /// the epsilon after normalising). <paramref name="singularValues"/> must be the singular values of the
    /// row-stochastic operator P = D^-1 K (see <see cref="SingularValuesOfRowNormalised"/>), not the eigenvalues of its
    /// symmetric conjugate: the two differ wherever the degrees are uneven.
    /// </summary>
    public static double[] VonNeumannEntropy(IReadOnlyList<double> singularValues, int tMax)
    {
        var s = singularValues.Select(Math.Abs).ToArray();
        var st = (double[])s.Clone();
        var h = new double[tMax];
        for (int t = 0; t < tMax; t++)
        {
            double total = st.Sum();
            double e = 0;
            foreach (var v in st)
            {
                double p = v / total + 2.220446049250313e-16; // numpy float64 eps, as PHATE adds it
                e -= p * Math.Log(p);
            }
            h[t] = e;
            for (int i = 0; i < st.Length; i++) st[i] *= s[i];
        }
        return h;
    }

    /// <summary>
    /// Singular values of P = diag(rowsum(S))^-1 S for a symmetric non-negative S, descending. They are the square
    /// roots of the eigenvalues of P P^T, which is symmetric, so the eigenvalue-only solver applies (a dense SVD of a
    /// 2000 x 2000 operator costs several times more). Forming P P^T squares the condition number: a singular value
    /// far below sqrt(machine epsilon) times the largest comes out with an absolute error near that level, which
    /// moves the entropy by far less than the gaps between its values at neighbouring t (tested against a dense SVD).
    /// </summary>
    public static double[] SingularValuesOfRowNormalised(RowMatrix s)
    {
        int m = s.Rows;
        if (s.Cols != m) throw new ArgumentException($"operator must be square, got {s.Rows} x {s.Cols}", nameof(s));
        var p = new double[m * m];
        for (int i = 0; i < m; i++)
        {
            var row = s.Row(i);
            double d = 0;
            foreach (var v in row) d += v;
            if (d <= 0) throw new ArgumentException($"operator row {i} sums to {d}; every point needs a positive degree", nameof(s));
            for (int j = 0; j < m; j++) p[i * m + j] = row[j] / d;
        }
        var ppt = GramKernel.MultiplyTransposed(p, m, p, m, m);
        var eig = SymmetricEigenvalues.Compute(new RowMatrix(m, m, ppt));
        return eig.Select(v => Math.Sqrt(Math.Max(0, v))).ToArray();
    }

    /// <summary>
    /// Knee of a curve, PHATE 1.0.11's <c>find_knee_point</c> with x = 0..n-1: for every break point b in 1..n-2 a
    /// least-squares line is fitted to points 0..b and another to points b-1..n-1, and the error is the sum of the
    /// absolute residuals of the first line on 0..b plus those of the second on b..n-1 (PHATE's right-hand fit takes
    /// one point more than it scores; kept so that t agrees). Returns the first b with the smallest error.
    /// </summary>
    public static int Knee(IReadOnlyList<double> y)
    {
        int n = y.Count;
        if (n < 3) throw new ArgumentException("knee detection needs at least 3 points", nameof(y));
        int best = 1;
        double bestErr = double.PositiveInfinity;
        for (int b = 1; b <= n - 2; b++)
        {
            var (m1, c1) = Fit(y, 0, b + 1);
            var (m2, c2) = Fit(y, b - 1, n);
            double err = 0;
            for (int i = 0; i <= b; i++) err += Math.Abs(m1 * i + c1 - y[i]);
            for (int i = b; i < n; i++) err += Math.Abs(m2 * i + c2 - y[i]);
            if (err < bestErr) { bestErr = err; best = b; }
        }
        return best;
    }

    /// <summary>
    /// PHATE's t: the 0-based index of the knee of the entropy curve (entry i of the curve is the entropy of P^(i+1),
    /// and PHATE then diffuses with P^index, so t is the knee index itself).
    /// </summary>
    public static int Choose(IReadOnlyList<double> entropy) => Knee(entropy);

    // Least-squares line through (i, y[i]) for i in [from, to).
    private static (double Slope, double Intercept) Fit(IReadOnlyList<double> y, int from, int to)
    {
        int m = to - from;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = from; i < to; i++) { sx += i; sy += y[i]; sxx += (double)i * i; sxy += i * y[i]; }
        double den = m * sxx - sx * sx;
        double slope = den == 0 ? 0 : (m * sxy - sx * sy) / den;
        return (slope, (sy - slope * sx) / m);
    }
}
