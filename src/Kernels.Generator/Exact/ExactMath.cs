using System.Numerics;

namespace EquiGrid.Kernels.Generator.Exact;

/// <summary>Exact integer helpers and correctly rounded conversion of r * sqrt(s) (r, s rational) to double.</summary>
public static class ExactMath
{
    public static BigInteger Factorial(int n)
    {
        BigInteger f = BigInteger.One;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }

    public static BigInteger Binomial(int n, int k) => k < 0 || k > n ? BigInteger.Zero : Factorial(n) / (Factorial(k) * Factorial(n - k));

    /// <summary>
    /// The double nearest to <paramref name="r"/> * sqrt(<paramref name="s"/>): the square root of r^2 s is taken on
    /// integers scaled by 2^(2K) (K large), then rounded to 53 bits half-to-even, so no rounding happens before the end.
    /// </summary>
    public static double ToDouble(Rational r, Rational s)
    {
        if (s.Sign < 0) throw new ArgumentException("square root of a negative rational", nameof(s));
        if (r.IsZero || s.IsZero) return 0.0;
        var square = r * r * s;
        const int k = 160;
        // floor(sqrt(p/q) * 2^k) = isqrt(floor(p * 2^(2k) / q)).
        var scaled = IntegerSqrt((square.Numerator << (2 * k)) / square.Denominator);
        double magnitude = RoundToDouble(scaled, -k);
        return r.Sign < 0 ? -magnitude : magnitude;
    }

    /// <summary>The double nearest to a rational.</summary>
    public static double ToDouble(Rational r) => ToDouble(r, Rational.One);

    private static double RoundToDouble(BigInteger mantissa, int exponent)
    {
        long bits = (long)mantissa.GetBitLength();
        int shift = (int)Math.Max(0, bits - 53);
        var q = mantissa >> shift;
        if (shift > 0)
        {
            var rem = mantissa - (q << shift);
            var half = BigInteger.One << (shift - 1);
            // The floor of an irrational square root is never an exact tie, so rem == half rounds to even harmlessly.
            if (rem > half || (rem == half && !q.IsEven)) q += 1;
        }
        return Math.ScaleB((double)q, shift + exponent);
    }

    public static BigInteger IntegerSqrt(BigInteger n)
    {
        if (n.Sign < 0) throw new ArgumentException("negative", nameof(n));
        if (n < 2) return n;
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var y = (x + n / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }
}
