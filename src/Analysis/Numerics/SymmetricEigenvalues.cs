namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// Eigenvalues only (no vectors) of a real symmetric matrix: Householder reduction to tridiagonal form, then
/// implicit QL with Wilkinson shifts. PHATE's entropy needs the whole spectrum of a 2000 x 2000 operator but no
/// eigenvectors; skipping them makes this several times faster than a full EVD. The reduction keeps the matrix
/// full and symmetric so that both the matrix-vector product and the rank-2 update run along contiguous rows.
/// </summary>
public static class SymmetricEigenvalues
{
    /// <summary>All eigenvalues, descending. The input is not modified.</summary>
    public static double[] Compute(RowMatrix matrix)
    {
        if (matrix.Rows != matrix.Cols) throw new ArgumentException($"matrix must be square, got {matrix.Rows} x {matrix.Cols}", nameof(matrix));
        int n = matrix.Rows;
        if (n == 0) return Array.Empty<double>();
        var a = (double[])matrix.Data.Clone();
        var d = new double[n];
        var e = new double[n];
        var u = new double[n];
        var p = new double[n];
        var q = new double[n];
        for (int i = n - 1; i >= 1; i--)
        {
            int l = i - 1, len = i;
            var row = a.AsSpan(i * n, len);
            double scale = 0;
            foreach (var v in row) scale += Math.Abs(v);
            if (l == 0 || scale == 0) { e[i] = a[i * n + l]; continue; }
            double h = 0;
            for (int k = 0; k < len; k++) { u[k] = row[k] / scale; h += u[k] * u[k]; }
            double f = u[l];
            double g = f >= 0 ? -Math.Sqrt(h) : Math.Sqrt(h);
            e[i] = scale * g;
            h -= f * g;
            u[l] = f - g;
            double hh = h;
            Parallel.For(0, (len + 63) / 64, blk =>
            {
                int j1 = Math.Min(len, blk * 64 + 64);
                for (int j = blk * 64; j < j1; j++) p[j] = GramKernel.Dot<double>(a.AsSpan(j * n, len), u.AsSpan(0, len)) / hh;
            });
            double k2 = GramKernel.Dot<double>(u.AsSpan(0, len), p.AsSpan(0, len)) / (2 * h);
            for (int j = 0; j < len; j++) q[j] = p[j] - k2 * u[j];
            Parallel.For(0, (len + 63) / 64, blk =>
            {
                int j1 = Math.Min(len, blk * 64 + 64);
                for (int j = blk * 64; j < j1; j++)
                {
                    var r = a.AsSpan(j * n, len);
                    double uj = u[j], qj = q[j];
                    for (int k = 0; k < len; k++) r[k] -= uj * q[k] + qj * u[k];
                }
            });
        }
        for (int i = 0; i < n; i++) d[i] = a[i * n + i];
        Tridiagonal(d, e);
        Array.Sort(d);
        Array.Reverse(d);
        return d;
    }

    // Implicit QL on diagonal d and sub-diagonal e (e[i] couples i and i-1); eigenvalues overwrite d.
    private static void Tridiagonal(double[] d, double[] e)
    {
        int n = d.Length;
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        e[n - 1] = 0;
        for (int l = 0; l < n; l++)
        {
            int iter = 0, m;
            do
            {
                for (m = l; m < n - 1; m++)
                {
                    double dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= 2.220446049250313e-16 * dd) break;
                }
                if (m == l) break;
                if (iter++ == 100) throw new InvalidOperationException("tridiagonal QL did not converge in 100 iterations");
                double g = (d[l + 1] - d[l]) / (2 * e[l]);
                double r = Hypot(g, 1);
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.Abs(r) : -Math.Abs(r)));
                double s = 1, c = 1, pp = 0;
                int i;
                bool underflow = false;
                for (i = m - 1; i >= l; i--)
                {
                    double f = s * e[i], b = c * e[i];
                    e[i + 1] = r = Hypot(f, g);
                    if (r == 0)
                    {
                        d[i + 1] -= pp;
                        e[m] = 0;
                        underflow = true;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - pp;
                    r = (d[i] - g) * s + 2 * c * b;
                    pp = s * r;
                    d[i + 1] = g + pp;
                    g = c * r - b;
                }
                if (underflow) continue;
                d[l] -= pp;
                e[l] = g;
                e[m] = 0;
            } while (true);
        }
    }

    private static double Hypot(double a, double b)
    {
        double x = Math.Abs(a), y = Math.Abs(b);
        if (x < y) (x, y) = (y, x);
        if (x == 0) return 0;
        double r = y / x;
        return x * Math.Sqrt(1 + r * r);
    }
}
