namespace EquiGrid.Kernels;

/// <summary>Normalisation of the spherical harmonics of each order (e3nn's three choices).</summary>
public enum ShNormalization
{
    /// <summary>sum_m Y_lm^2 = 2l+1 on the unit sphere (each component has unit mean square over the sphere).</summary>
    Component,

    /// <summary>sum_m Y_lm^2 = 1 on the unit sphere: the component values divided by sqrt(2l+1).</summary>
    Norm,

    /// <summary>Orthonormal under the integral over the sphere: the component values divided by sqrt(4 pi).</summary>
    Integral,
}

/// <summary>Scale factors that turn component-normalised values into the other normalisations.</summary>
internal static class ShNormalizationScale
{
    public static double Of(ShNormalization normalization, int l) => normalization switch
    {
        ShNormalization.Component => 1.0,
        ShNormalization.Norm => 1.0 / Math.Sqrt(2 * l + 1),
        ShNormalization.Integral => 1.0 / Math.Sqrt(4 * Math.PI),
        _ => throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "normalization must be Component, Norm or Integral"),
    };
}
