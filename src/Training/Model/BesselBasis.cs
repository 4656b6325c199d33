using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>
/// Radial basis of e3nn's soft_one_hot_linspace(basis='bessel', cutoff=True) on [0, c], times sqrt(n):
/// sqrt(2/c) sin(k pi d / c) / d for k = 1..n, zero outside 0 &lt; d &lt; c.
/// </summary>
public static class BesselBasis
{
    /// <summary>Distances [E] -> basis values [E, n].</summary>
    public static Tensor Compute(Tensor distances, int n, double cutoff)
    {
        var d = distances.unsqueeze(1);
        var k = arange(1, n + 1, dtype: distances.dtype) * Math.PI;
        var values = sin(k * d / cutoff) / d * Math.Sqrt(2.0 / cutoff);
        var inside = (d > 0).logical_and(d < cutoff).to_type(distances.dtype);
        return values * inside * Math.Sqrt(n);
    }
}
