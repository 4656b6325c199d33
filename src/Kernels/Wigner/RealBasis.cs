using System.Numerics;

namespace EquiGrid.Kernels;

/// <summary>
/// e3nn's change of basis between real and complex spherical harmonics (<c>change_basis_real_to_complex</c>), with
/// its global factor (-i)^l that makes the real Clebsch-Gordan coefficients real. Row index is the complex m
/// (l + m), column the real m; each column has at most two non-zero rows (m and -m), which the 3j construction uses
/// to stay O(d^3) instead of O(d^6).
/// </summary>
internal static class RealBasis
{
    /// <summary>The (2l+1) x (2l+1) matrix Q with Q[l+m, l+|m|] and Q[l+m, l-|m|] as in e3nn 0.5.1.</summary>
    public static Complex[,] RealToComplex(int l)
    {
        int d = 2 * l + 1;
        var q = new Complex[d, d];
        double s = 1.0 / Math.Sqrt(2.0);
        for (int m = -l; m < 0; m++)
        {
            q[l + m, l - m] = new Complex(s, 0);
            q[l + m, l + m] = new Complex(0, -s);
        }
        q[l, l] = Complex.One;
        for (int m = 1; m <= l; m++)
        {
            double sign = (m & 1) == 0 ? 1.0 : -1.0;
            q[l + m, l + m] = new Complex(sign * s, 0);
            q[l + m, l - m] = new Complex(0, sign * s);
        }
        // (-i)^l, exactly: cycles through 1, -i, -1, i.
        Complex phase = (l & 3) switch { 0 => Complex.One, 1 => new Complex(0, -1), 2 => new Complex(-1, 0), _ => new Complex(0, 1) };
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++)
                q[r, c] *= phase;
        return q;
    }

    /// <summary>The complex rows that are non-zero in real column <paramref name="c"/>: l+(c-l) and l-(c-l).</summary>
    public static ReadOnlySpan<int> RowsOfColumn(int l, int c, Span<int> buffer)
    {
        int m = c - l;
        buffer[0] = l + m;
        if (m == 0) return buffer[..1];
        buffer[1] = l - m;
        return buffer[..2];
    }
}
