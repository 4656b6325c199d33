namespace EquiGrid.Kernels;

/// <summary>
/// The real spherical-harmonic basis used throughout EquiGrid, which is e3nn 0.5.1's (checked against e3nn's own
/// values for every l &lt;= 10, see the tests' fixtures).
/// </summary>
/// <remarks>
/// Y_lm(x, y, z) = S_lm(z, x, y), where S_lm is the textbook real solid harmonic with the z axis as polar axis and
/// without the Condon-Shortley phase: S_l0 = N_l0 P_l(Z) r^l, and for m &gt; 0 S_lm = N_lm P̄_l^m Re (X + iY)^m,
/// S_l,-m = N_lm P̄_l^m Im (X + iY)^m, with P̄ the associated Legendre part without (-1)^m. So e3nn's polar axis is y,
/// the map (x, y, z) -&gt; (X, Y, Z) = (z, x, y) is a cyclic (proper) permutation, and no per-(l, m) sign flips are
/// needed on top of it. Component order within an order is m = -l..l. Component normalisation gives
/// N_l0 = sqrt(2l+1) and N_lm = sqrt(2 (2l+1) (l-m)! / (l+m)!), so that sum_m Y_lm^2 = 2l+1 on the unit sphere.
/// </remarks>
public static class ShConvention
{
    /// <summary>Index into (x, y, z) of the z-polar frame's X, Y and Z axes: (X, Y, Z) = (z, x, y).</summary>
    public static ReadOnlySpan<int> PolarFrameAxes => new[] { 2, 0, 1 };
}
