using EquiGrid.Kernels.Generator.Exact;

namespace EquiGrid.Kernels.Generator.SphericalHarmonics;

/// <summary>
/// Exact real solid harmonics in the z-polar frame (X, Y, Z), without the Condon-Shortley phase, component-normalised:
/// S_lm = H_lm(Z, w) C_m(X, Y) with C_m = Re (X + iY)^m for m &gt; 0, Im (X + iY)^|m| for m &lt; 0, 1 for m = 0, and
/// H_lm = N_l|m| Pi_l^|m|(Z, w), w = X^2 + Y^2 + Z^2, homogeneous of degree l overall.
/// </summary>
/// <remarks>
/// Pi_l^m(Z, w) = sum_k (-1)^k 2^-l C(l,k) C(2l-2k,l) (l-2k)!/(l-2k-m)! w^k Z^(l-2k-m) is the m-th derivative of the
/// Legendre polynomial written homogeneously; N_l0^2 = 2l+1 and N_lm^2 = 2 (2l+1) (l-m)!/(l+m)!, so that
/// sum_m S_lm^2 = (2l+1) w^l. e3nn's basis is S_lm evaluated at (X, Y, Z) = (z, x, y).
/// </remarks>
public static class SolidHarmonics
{
    /// <summary>H_lm for m = 0..l (the factor shared by the +m and -m components).</summary>
    public static ZwPolynomial RadialPart(int l, int m)
    {
        if (m < 0 || m > l) throw new ArgumentOutOfRangeException(nameof(m));
        var terms = new Dictionary<(int, int), Rational>();
        for (int k = 0; 2 * k <= l - m; k++)
        {
            Rational c = new(ExactMath.Binomial(l, k) * ExactMath.Binomial(2 * l - 2 * k, l) * ExactMath.Factorial(l - 2 * k),
                ExactMath.Factorial(l - 2 * k - m) * (System.Numerics.BigInteger.One << l));
            terms[(l - 2 * k - m, k)] = k % 2 == 0 ? c : -c;
        }
        return new ZwPolynomial(terms, NormalisationSquared(l, m));
    }

    /// <summary>N_lm^2 for component normalisation.</summary>
    public static Rational NormalisationSquared(int l, int m) => m == 0
        ? new Rational(2 * l + 1, 1)
        : new Rational(2 * (2 * l + 1) * ExactMath.Factorial(l - m), ExactMath.Factorial(l + m));
}
