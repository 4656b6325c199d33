namespace EquiGrid.Kernels;

/// <summary>
/// Real spherical harmonics of an L-set in e3nn's basis (see <see cref="ShConvention"/>), evaluated on the CPU with
/// the generated direct per-order polynomials (<see cref="ShPolynomials"/>): SIMD over structure-of-arrays tiles,
/// multi-threaded over chunks, deterministic (each value is computed by one thread, independent of scheduling).
/// </summary>
/// <remarks>
/// Layouts: <c>xyz</c> holds N vectors interleaved (x0, y0, z0, x1, ...); <c>output</c> is N rows of
/// <see cref="Dim"/> values, row-major, orders ascending and m = -l..l within an order (e3nn's order).
/// With <c>normalizeInput</c> the harmonics are taken of r/|r|; a zero vector gives, as in e3nn (which divides by
/// max(|r|, 1e-12)), Y_0 and zeros for every l &gt;= 1, and a zero gradient (e3nn's would be ~1e12 for l = 1).
/// Without it the harmonics are the homogeneous polynomials of degree l: Y_l(s r) = s^l Y_l(r).
/// </remarks>
public static class SphericalHarmonics
{
    /// <summary>Number of components of an L-set: sum of 2l+1.</summary>
    public static int Dim(LSet lset)
    {
        ArgumentNullException.ThrowIfNull(lset);
        return lset.Dim;
    }

    /// <summary>Evaluates Y for every vector (float32).</summary>
    public static void Forward(LSet lset, ReadOnlySpan<float> xyz, Span<float> output, ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        var layout = Validate(lset, xyz.Length, output.Length, normalization);
        ShTileEngine.Forward<float, DirectTileEvaluator<float>>(layout, xyz, output, normalizeInput);
    }

    /// <summary>Evaluates Y for every vector (float64).</summary>
    public static void Forward(LSet lset, ReadOnlySpan<double> xyz, Span<double> output, ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        var layout = Validate(lset, xyz.Length, output.Length, normalization);
        ShTileEngine.Forward<double, DirectTileEvaluator<double>>(layout, xyz, output, normalizeInput);
    }

    /// <summary>
    /// Vector-Jacobian product (float32): gradXyz[n] = sum_c gradOutput[n, c] dY_c/dr_n, through r/|r| when
    /// <paramref name="normalizeInput"/>. <paramref name="gradXyz"/> is overwritten (N x 3, interleaved).
    /// </summary>
    public static void Backward(LSet lset, ReadOnlySpan<float> xyz, ReadOnlySpan<float> gradOutput, Span<float> gradXyz,
        ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        var layout = Validate(lset, xyz.Length, gradOutput.Length, normalization, nameof(gradOutput));
        ValidateGradXyz(xyz.Length, gradXyz.Length);
        ShTileEngine.Backward<float, DirectTileEvaluator<float>>(layout, xyz, gradOutput, gradXyz, normalizeInput);
    }

    /// <summary>Vector-Jacobian product (float64); see the float32 overload.</summary>
    public static void Backward(LSet lset, ReadOnlySpan<double> xyz, ReadOnlySpan<double> gradOutput, Span<double> gradXyz,
        ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        var layout = Validate(lset, xyz.Length, gradOutput.Length, normalization, nameof(gradOutput));
        ValidateGradXyz(xyz.Length, gradXyz.Length);
        ShTileEngine.Backward<double, DirectTileEvaluator<double>>(layout, xyz, gradOutput, gradXyz, normalizeInput);
    }

    internal static ShLayout Validate(LSet lset, int xyzLength, int outputLength, ShNormalization normalization, string outputName = "output")
    {
        ArgumentNullException.ThrowIfNull(lset);
        if (!Enum.IsDefined(normalization))
            throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "normalization must be Component, Norm or Integral");
        if (xyzLength % 3 != 0)
            throw new ArgumentException($"xyz has {xyzLength} values, not a multiple of 3: pass N vectors as x, y, z interleaved", "xyz");
        long expected = (long)(xyzLength / 3) * lset.Dim;
        if (outputLength != expected)
            throw new ArgumentException(
                $"{outputName} has {outputLength} values but {xyzLength / 3} vectors x {lset.Dim} components of {lset} need {expected}", outputName);
        return new ShLayout(lset, normalization);
    }

    internal static void ValidateGradXyz(int xyzLength, int gradXyzLength)
    {
        if (gradXyzLength != xyzLength)
            throw new ArgumentException($"gradXyz has {gradXyzLength} values but xyz has {xyzLength}: they must match (N x 3)", "gradXyz");
    }
}
