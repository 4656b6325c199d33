using System.Runtime.CompilerServices;

namespace EquiGrid.Kernels;

/// <summary>Evaluates each order of the tile with its generated direct polynomial (no recursion across orders).</summary>
internal readonly struct DirectTileEvaluator<T> : IShTileEvaluator<T> where T : unmanaged
{
    public void Forward(ShLayout layout, bool unit, ref T x, ref T y, ref T z, ref T tile)
    {
        const int ts = ShTileEngine.TileSize;
        for (int i = 0; i < layout.Orders.Length; i++)
        {
            ref T o = ref Unsafe.Add(ref tile, layout.Offsets[i] * ts);
            // typeof checks are constants after JIT specialisation: one branch survives per T.
            if (typeof(T) == typeof(float))
                ShPolynomials.ForwardBlock(layout.Orders[i], unit, ref As<float>(ref x), ref As<float>(ref y), ref As<float>(ref z), ref As<float>(ref o), ts, ts);
            else if (typeof(T) == typeof(double))
                ShPolynomials.ForwardBlock(layout.Orders[i], unit, ref As<double>(ref x), ref As<double>(ref y), ref As<double>(ref z), ref As<double>(ref o), ts, ts);
            else throw new NotSupportedException($"spherical harmonics are implemented for float and double, not {typeof(T).Name}");
        }
    }

    public void Backward(ShLayout layout, bool unit, ref T x, ref T y, ref T z, ref T gradTile, ref T gx, ref T gy, ref T gz)
    {
        const int ts = ShTileEngine.TileSize;
        for (int i = 0; i < layout.Orders.Length; i++)
        {
            ref T g = ref Unsafe.Add(ref gradTile, layout.Offsets[i] * ts);
            if (typeof(T) == typeof(float))
                ShPolynomials.VjpBlock(layout.Orders[i], unit, ref As<float>(ref x), ref As<float>(ref y), ref As<float>(ref z), ref As<float>(ref g), ts,
                    ref As<float>(ref gx), ref As<float>(ref gy), ref As<float>(ref gz), ts);
            else if (typeof(T) == typeof(double))
                ShPolynomials.VjpBlock(layout.Orders[i], unit, ref As<double>(ref x), ref As<double>(ref y), ref As<double>(ref z), ref As<double>(ref g), ts,
                    ref As<double>(ref gx), ref As<double>(ref gy), ref As<double>(ref gz), ts);
            else throw new NotSupportedException($"spherical harmonics are implemented for float and double, not {typeof(T).Name}");
        }
    }

    private static ref TTo As<TTo>(ref T value) => ref Unsafe.As<T, TTo>(ref value);
}
