using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EquiGrid.Kernels;

/// <summary>
/// AVX2 layout changes for float32 groups of 8 vectors: interleaved (x, y, z) rows to/from three lane vectors, and
/// component-major tiles to/from row-major rows via 8x8 transposes. They replace per-element scalar copies, which
/// dominate the cost of low orders (l &lt;= 2 writes only 3..9 floats per vector).
/// </summary>
internal static unsafe class SimdTranspose
{
    public static bool IsSupported => Avx2.IsSupported;

    // Lane j of blend(a, b, c) holds element idx[j] of the coordinate; PermuteVar8x32 with these indices sorts them.
    private static readonly Vector256<int> XOrder = Vector256.Create(0, 3, 6, 1, 4, 7, 2, 5);
    private static readonly Vector256<int> YOrder = Vector256.Create(1, 4, 7, 2, 5, 0, 3, 6);
    private static readonly Vector256<int> ZOrder = Vector256.Create(2, 5, 0, 3, 6, 1, 4, 7);
    private static readonly Vector256<int> YInverse = Vector256.Create(5, 0, 3, 6, 1, 4, 7, 2);
    private static readonly Vector256<float> Lanes036 = Mask(0, 3, 6);
    private static readonly Vector256<float> Lanes147 = Mask(1, 4, 7);

    /// <summary>Reads 8 interleaved vectors (24 floats) into x, y, z lane vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave3(float* source, out Vector256<float> x, out Vector256<float> y, out Vector256<float> z)
    {
        var a = Avx.LoadVector256(source);
        var b = Avx.LoadVector256(source + 8);
        var c = Avx.LoadVector256(source + 16);
        // a = x0 y0 z0 x1 y1 z1 x2 y2, b = z2 x3 y3 z3 x4 y4 z4 x5, c = y5 z5 x6 y6 z6 x7 y7 z7:
        // x sits in lanes {0,3,6} of a, {1,4,7} of b, {2,5} of c (and cyclically for y and z).
        var tx = Vector256.ConditionalSelect(Lanes036, a, Vector256.ConditionalSelect(Lanes147, b, c));
        var ty = Vector256.ConditionalSelect(Lanes147, a, Vector256.ConditionalSelect(Lanes036, c, b));
        var tz = Vector256.ConditionalSelect(Lanes036, b, Vector256.ConditionalSelect(Lanes147, c, a));
        x = Avx2.PermuteVar8x32(tx, XOrder);
        y = Avx2.PermuteVar8x32(ty, YOrder);
        z = Avx2.PermuteVar8x32(tz, ZOrder);
    }

    /// <summary>Writes x, y, z lane vectors as 8 interleaved vectors (24 floats), the inverse of <see cref="Deinterleave3"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave3(float* target, Vector256<float> x, Vector256<float> y, Vector256<float> z)
    {
        // The x and z permutations are their own inverses.
        var tx = Avx2.PermuteVar8x32(x, XOrder);
        var ty = Avx2.PermuteVar8x32(y, YInverse);
        var tz = Avx2.PermuteVar8x32(z, ZOrder);
        Avx.Store(target, Vector256.ConditionalSelect(Lanes036, tx, Vector256.ConditionalSelect(Lanes147, ty, tz)));
        Avx.Store(target + 8, Vector256.ConditionalSelect(Lanes147, tx, Vector256.ConditionalSelect(Lanes036, tz, ty)));
        Avx.Store(target + 16, Vector256.ConditionalSelect(Lanes036, ty, Vector256.ConditionalSelect(Lanes147, tz, tx)));
    }

    /// <summary>
    /// Writes 8 rows of <paramref name="dim"/> floats (row v at target + v * dim) from a component-major tile (component
    /// c of the 8 vectors at tile + c * tileStride), scaled per component. Each row is written in blocks of 8, so the
    /// last block may spill up to 7 floats past the row: the caller makes sure the following rows are written
    /// afterwards (or exist and are not shared).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreRows(float* tile, int tileStride, int dim, float* scales, bool scaled, float* target)
    {
        int blocks = (dim + 7) / 8;
        Span<Vector256<float>> r = stackalloc Vector256<float>[8 * blocks];
        for (int b = 0; b < blocks; b++)
        {
            var block = r.Slice(8 * b, 8);
            for (int j = 0; j < 8; j++)
            {
                int c = 8 * b + j;
                if (c >= dim) { block[j] = Vector256<float>.Zero; continue; }
                var v = Avx.LoadVector256(tile + c * tileStride);
                block[j] = scaled ? v * scales[c] : v;
            }
            Transpose8x8(block);
        }
        // Row by row, blocks ascending: a block's spill into the next row is overwritten when that row is written.
        for (int v = 0; v < 8; v++)
            for (int b = 0; b < blocks; b++) Avx.Store(target + v * dim + 8 * b, r[8 * b + v]);
    }

    /// <summary>
    /// Reads 8 rows of <paramref name="dim"/> floats into a component-major tile, scaled per component (the inverse of
    /// <see cref="StoreRows"/>). Reads up to 7 floats past the last row: the caller makes sure they exist.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadRows(float* source, int dim, float* scales, bool scaled, float* tile, int tileStride)
    {
        Span<Vector256<float>> r = stackalloc Vector256<float>[8];
        for (int c0 = 0; c0 < dim; c0 += 8)
        {
            for (int v = 0; v < 8; v++) r[v] = Avx.LoadVector256(source + v * dim + c0);
            Transpose8x8(r);
            for (int j = 0; j < 8 && c0 + j < dim; j++)
            {
                int c = c0 + j;
                Avx.Store(tile + c * tileStride, scaled ? r[j] * scales[c] : r[j]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(Span<Vector256<float>> r)
    {
        var t0 = Avx.UnpackLow(r[0], r[1]);
        var t1 = Avx.UnpackHigh(r[0], r[1]);
        var t2 = Avx.UnpackLow(r[2], r[3]);
        var t3 = Avx.UnpackHigh(r[2], r[3]);
        var t4 = Avx.UnpackLow(r[4], r[5]);
        var t5 = Avx.UnpackHigh(r[4], r[5]);
        var t6 = Avx.UnpackLow(r[6], r[7]);
        var t7 = Avx.UnpackHigh(r[6], r[7]);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r[0] = Avx.Permute2x128(s0, s4, 0x20);
        r[1] = Avx.Permute2x128(s1, s5, 0x20);
        r[2] = Avx.Permute2x128(s2, s6, 0x20);
        r[3] = Avx.Permute2x128(s3, s7, 0x20);
        r[4] = Avx.Permute2x128(s0, s4, 0x31);
        r[5] = Avx.Permute2x128(s1, s5, 0x31);
        r[6] = Avx.Permute2x128(s2, s6, 0x31);
        r[7] = Avx.Permute2x128(s3, s7, 0x31);
    }

    private static Vector256<float> Mask(params int[] lanes)
    {
        var m = new int[8];
        foreach (int lane in lanes) m[lane] = -1;
        return Vector256.Create(m).AsSingle();
    }
}
