using System.Numerics;

namespace EquiGrid.Kernels;

/// <summary>
/// Complex-basis (SU(2)) Clebsch-Gordan coefficients &lt;l1 m1; l2 m2 | l3 m3&gt; for integer orders, by the Racah
/// formula evaluated in exact rational arithmetic. The alternating Racah sum cancels badly in floating point at
/// l ~ 10 (terms of order 1e30 summing to order 1), so every factorial and the sum are kept as big integers and only
/// the final square root is taken in double: the result is correct to about one ulp.
/// </summary>
internal static class ClebschGordanSu2
{
    private static readonly BigInteger[] Factorials = BuildFactorials(4 * 20 + 2);

    private static BigInteger[] BuildFactorials(int n)
    {
        var f = new BigInteger[n + 1];
        f[0] = BigInteger.One;
        for (int i = 1; i <= n; i++) f[i] = f[i - 1] * i;
        return f;
    }

    private static BigInteger F(int n) => Factorials[n];

    /// <summary>
    /// The coefficient for m3 = m1 + m2 (zero otherwise). The caller guarantees the triangle rule and |m| &lt;= l.
    /// </summary>
    public static double Coefficient(int l1, int m1, int l2, int m2, int l3, int m3)
    {
        if (m3 != m1 + m2 || Math.Abs(m3) > l3) return 0.0;

        // Prefactor squared: (2 l3 + 1) (l3+l1-l2)! (l3-l1+l2)! (l1+l2-l3)! (l3+m3)! (l3-m3)!
        //                    / [(l1+l2+l3+1)! (l1-m1)! (l1+m1)! (l2-m2)! (l2+m2)!]
        BigInteger preNum = (2 * l3 + 1) * F(l3 + l1 - l2) * F(l3 - l1 + l2) * F(l1 + l2 - l3) * F(l3 + m3) * F(l3 - m3);
        BigInteger preDen = F(l1 + l2 + l3 + 1) * F(l1 - m1) * F(l1 + m1) * F(l2 - m2) * F(l2 + m2);

        // Racah sum S = sum_v (-1)^(v+l2+m2) (l2+l3+m1-v)! (l1-m1+v)! / [v! (l3-l1+l2-v)! (l3+m3-v)! (v+l1-l2-m3)!],
        // accumulated over a common denominator.
        int vmin = Math.Max(Math.Max(-l1 + l2 + m3, -l1 + m1), 0);
        int vmax = Math.Min(Math.Min(l2 + l3 + m1, l3 - l1 + l2), l3 + m3);
        BigInteger sNum = BigInteger.Zero, sDen = BigInteger.One;
        for (int v = vmin; v <= vmax; v++)
        {
            BigInteger num = F(l2 + l3 + m1 - v) * F(l1 - m1 + v);
            BigInteger den = F(v) * F(l3 - l1 + l2 - v) * F(l3 + m3 - v) * F(v + l1 - l2 - m3);
            if (((v + l2 + m2) & 1) != 0) num = -num;
            sNum = sNum * den + num * sDen;
            sDen *= den;
            var g = BigInteger.GreatestCommonDivisor(sNum, sDen);
            if (!g.IsOne && !g.IsZero) { sNum /= g; sDen /= g; }
        }
        if (sNum.IsZero) return 0.0;

        // value = sign(S) sqrt(pre^2 S^2) with pre^2 S^2 an exact rational.
        BigInteger num2 = preNum * sNum * sNum;
        BigInteger den2 = preDen * sDen * sDen;
        double magnitude = Math.Sqrt(RationalToDouble(num2, den2));
        return sNum.Sign < 0 ? -magnitude : magnitude;
    }

    /// <summary>Converts p/q (both positive) to the nearest double, keeping 64 significant bits before rounding.</summary>
    internal static double RationalToDouble(BigInteger p, BigInteger q)
    {
        long shift = 64 - ((long)p.GetBitLength() - (long)q.GetBitLength());
        BigInteger scaled = shift >= 0 ? (p << (int)shift) / q : p / (q << (int)-shift);
        return Math.ScaleB((double)scaled, (int)-shift);
    }
}
