using EquiGrid.Kernels.Generator.Exact;

namespace EquiGrid.Kernels.Generator.SphericalHarmonics;

/// <summary>
/// An exact polynomial in Z (the polar coordinate) and w = X^2 + Y^2 + Z^2 with rational coefficients, times a common
/// irrational factor sqrt(<see cref="SqrtFactor"/>) (the normalisation), so every coefficient stays symbolic until it is
/// converted to double once.
/// </summary>
public sealed class ZwPolynomial
{
    public ZwPolynomial(IReadOnlyDictionary<(int Z, int W), Rational> terms, Rational sqrtFactor)
    {
        Terms = terms.Where(t => !t.Value.IsZero).ToDictionary(t => t.Key, t => t.Value);
        SqrtFactor = sqrtFactor;
    }

    /// <summary>Coefficient of Z^a w^b, keyed by (a, b).</summary>
    public IReadOnlyDictionary<(int Z, int W), Rational> Terms { get; }

    /// <summary>Every coefficient is multiplied by the square root of this rational.</summary>
    public Rational SqrtFactor { get; }

    public bool IsZero => Terms.Count == 0;

    /// <summary>The coefficient of a term as the nearest double.</summary>
    public double Coefficient((int Z, int W) key) => ExactMath.ToDouble(Terms[key], SqrtFactor);

    /// <summary>The same polynomial on the unit sphere (w = 1): terms with equal powers of Z merge.</summary>
    public ZwPolynomial OnUnitSphere()
    {
        var t = new Dictionary<(int, int), Rational>();
        foreach (var ((a, _), c) in Terms) t[(a, 0)] = t.TryGetValue((a, 0), out var e) ? e + c : c;
        return new ZwPolynomial(t, SqrtFactor);
    }

    /// <summary>Partial derivative with respect to Z (w held fixed).</summary>
    public ZwPolynomial DerivativeZ() => new(
        Terms.Where(t => t.Key.Z > 0).ToDictionary(t => (t.Key.Z - 1, t.Key.W), t => t.Value * t.Key.Z), SqrtFactor);

    /// <summary>Partial derivative with respect to w (Z held fixed).</summary>
    public ZwPolynomial DerivativeW() => new(
        Terms.Where(t => t.Key.W > 0).ToDictionary(t => (t.Key.Z, t.Key.W - 1), t => t.Value * t.Key.W), SqrtFactor);

    /// <summary>Value at (Z, w) in double (tests and checks only).</summary>
    public double Evaluate(double z, double w) => Terms.Sum(t => Coefficient(t.Key) * Math.Pow(z, t.Key.Z) * Math.Pow(w, t.Key.W));
}
