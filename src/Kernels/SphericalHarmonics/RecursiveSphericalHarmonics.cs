using System.Numerics;
using System.Runtime.CompilerServices;

namespace EquiGrid.Kernels;

/// <summary>
/// BASELINE for tests and benchmarks only: the same spherical harmonics (same basis, layout, normalisations and
/// CPU driver as <see cref="SphericalHarmonics"/>) evaluated the classic way, by the associated-Legendre recurrence
/// (l-m) P_l^m = (2l-1) Z P_(l-1)^m - (l+m-1) P_(l-2)^m from P_m^m = (2m-1)!!, so reaching order l costs every order
/// below it. Also SIMD and multi-threaded, so comparisons with the direct kernels measure the algorithm only.
/// Supports normalised input only (the recurrence is written on the unit sphere).
/// </summary>
public static class RecursiveSphericalHarmonics
{
    /// <summary>Evaluates Y of r/|r| for every vector (float32); same layout and zero-vector rule as <see cref="SphericalHarmonics.Forward(LSet, ReadOnlySpan{float}, Span{float}, ShNormalization, bool)"/>.</summary>
    public static void Forward(LSet lset, ReadOnlySpan<float> xyz, Span<float> output, ShNormalization normalization = ShNormalization.Component)
    {
        var layout = SphericalHarmonics.Validate(lset, xyz.Length, output.Length, normalization);
        ShTileEngine.Forward<float, RecursiveTileEvaluator<float>>(layout, xyz, output, normalizeInput: true);
    }

    /// <summary>Evaluates Y of r/|r| for every vector (float64).</summary>
    public static void Forward(LSet lset, ReadOnlySpan<double> xyz, Span<double> output, ShNormalization normalization = ShNormalization.Component)
    {
        var layout = SphericalHarmonics.Validate(lset, xyz.Length, output.Length, normalization);
        ShTileEngine.Forward<double, RecursiveTileEvaluator<double>>(layout, xyz, output, normalizeInput: true);
    }
}

/// <summary>Recurrence coefficients, indexed [l * 11 + m].</summary>
internal static class RecurrenceTables<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int Stride = Irrep.MaxL + 1;

    /// <summary>(2l-1)/(l-m).</summary>
    public static readonly T[] A = Build((l, m) => l > m ? (2.0 * l - 1) / (l - m) : 0);

    /// <summary>(l+m-1)/(l-m).</summary>
    public static readonly T[] B = Build((l, m) => l > m ? (l + m - 1.0) / (l - m) : 0);

    /// <summary>Component normalisation N_lm.</summary>
    public static readonly T[] N = Build((l, m) => m > l ? 0 : Math.Sqrt(m == 0 ? 2 * l + 1 : 2.0 * (2 * l + 1) * Factorial(l - m) / Factorial(l + m)));

    /// <summary>P_m^m = (2m-1)!! (index m).</summary>
    public static readonly T[] Diagonal = Enumerable.Range(0, Stride).Select(m =>
    {
        double p = 1;
        for (int k = 1; k <= 2 * m - 1; k += 2) p *= k;
        return T.CreateChecked(p);
    }).ToArray();

    private static T[] Build(Func<int, int, double> f)
    {
        var t = new T[Stride * Stride];
        for (int l = 0; l < Stride; l++)
            for (int m = 0; m < Stride; m++) t[l * Stride + m] = T.CreateChecked(f(l, m));
        return t;
    }

    private static double Factorial(int n)
    {
        double r = 1;
        for (int i = 2; i <= n; i++) r *= i;
        return r;
    }
}

/// <summary>Tile evaluator running the recurrence up to the largest order of the set, writing only the orders in the set.</summary>
internal readonly struct RecursiveTileEvaluator<T> : IShTileEvaluator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ShLayout layout, bool unit, ref T x, ref T y, ref T z, ref T tile)
    {
        const int ts = ShTileEngine.TileSize;
        const int stride = RecurrenceTables<T>.Stride;
        int lmax = layout.Orders[^1];
        Span<int> offsetOf = stackalloc int[stride];
        offsetOf.Fill(-1);
        for (int i = 0; i < layout.Orders.Length; i++) offsetOf[layout.Orders[i]] = layout.Offsets[i];
        Span<Vector<T>> re = stackalloc Vector<T>[stride];
        Span<Vector<T>> im = stackalloc Vector<T>[stride];
        var a = RecurrenceTables<T>.A;
        var b = RecurrenceTables<T>.B;
        var norm = RecurrenceTables<T>.N;
        var diagonal = RecurrenceTables<T>.Diagonal;
        for (int i = 0; i < ts; i += Vector<T>.Count)
        {
            // Polar frame (X, Y, Z) = (z, x, y).
            var vX = Vector.LoadUnsafe(ref z, (nuint)i);
            var vY = Vector.LoadUnsafe(ref x, (nuint)i);
            var vZ = Vector.LoadUnsafe(ref y, (nuint)i);
            re[0] = Vector<T>.One;
            im[0] = Vector<T>.Zero;
            for (int m = 1; m <= lmax; m++)
            {
                re[m] = re[m - 1] * vX - im[m - 1] * vY;
                im[m] = re[m - 1] * vY + im[m - 1] * vX;
            }
            for (int m = 0; m <= lmax; m++)
            {
                var previous = Vector<T>.Zero;
                var current = new Vector<T>(diagonal[m]);
                for (int l = m; l <= lmax; l++)
                {
                    if (l > m)
                    {
                        var next = a[l * stride + m] * (vZ * current);
                        if (l > m + 1) next -= b[l * stride + m] * previous;
                        previous = current;
                        current = next;
                    }
                    int offset = offsetOf[l];
                    if (offset < 0) continue;
                    var h = norm[l * stride + m] * current;
                    if (m == 0)
                        h.StoreUnsafe(ref tile, (nuint)((offset + l) * ts + i));
                    else
                    {
                        (h * re[m]).StoreUnsafe(ref tile, (nuint)((offset + l + m) * ts + i));
                        (h * im[m]).StoreUnsafe(ref tile, (nuint)((offset + l - m) * ts + i));
                    }
                }
            }
        }
    }

    public void Backward(ShLayout layout, bool unit, ref T x, ref T y, ref T z, ref T gradTile, ref T gx, ref T gy, ref T gz) =>
        throw new NotSupportedException("the recursive baseline implements the forward pass only");
}
