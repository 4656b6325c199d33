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
    /// c of the 8 vectors at tile + c * tileStride), scaled per component. Rows are written in blocks of 8 floats, so
    /// the last block of row 7 may spill up to 7 floats past it: the caller makes sure the following rows exist and
    /// are written afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreRows(float* tile, int tileStride, int dim, float* scales, bool scaled, float* target)
    {
        if (dim == 3)
        {
            // One order-1 block: three interleaving stores instead of eight row stores.
            var x = Avx.LoadVector256(tile);
            var y = Avx.LoadVector256(tile + tileStride);
            var z = Avx.LoadVector256(tile + 2 * tileStride);
            if (scaled) { x *= scales[0]; y *= scales[1]; z *= scales[2]; }
            Interleave3(target, x, y, z);
            return;
        }
        // Blocks from last to first, all rows of a block at once: a last block's spill into the next row lands in that
        // row's first block, which is written afterwards; every other block fits inside its row.
        for (int c0 = (dim - 1) / 8 * 8; c0 >= 0; c0 -= 8)
        {
            var r0 = Component(tile, tileStride, dim, scales, scaled, c0);
            var r1 = Component(tile, tileStride, dim, scales, scaled, c0 + 1);
            var r2 = Component(tile, tileStride, dim, scales, scaled, c0 + 2);
            var r3 = Component(tile, tileStride, dim, scales, scaled, c0 + 3);
            var r4 = Component(tile, tileStride, dim, scales, scaled, c0 + 4);
            var r5 = Component(tile, tileStride, dim, scales, scaled, c0 + 5);
            var r6 = Component(tile, tileStride, dim, scales, scaled, c0 + 6);
            var r7 = Component(tile, tileStride, dim, scales, scaled, c0 + 7);
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* t = target + c0;
            Avx.Store(t, r0);
            Avx.Store(t + dim, r1);
            Avx.Store(t + 2 * dim, r2);
            Avx.Store(t + 3 * dim, r3);
            Avx.Store(t + 4 * dim, r4);
            Avx.Store(t + 5 * dim, r5);
            Avx.Store(t + 6 * dim, r6);
            Avx.Store(t + 7 * dim, r7);
        }
    }

    /// <summary>
    /// Reads 8 rows of <paramref name="dim"/> floats into a component-major tile, scaled per component (the inverse of
    /// <see cref="StoreRows"/>). Reads up to 7 floats past the last row: the caller makes sure they exist.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadRows(float* source, int dim, float* scales, bool scaled, float* tile, int tileStride)
    {
        for (int c0 = 0; c0 < dim; c0 += 8)
        {
            float* s = source + c0;
            var r0 = Avx.LoadVector256(s);
            var r1 = Avx.LoadVector256(s + dim);
            var r2 = Avx.LoadVector256(s + 2 * dim);
            var r3 = Avx.LoadVector256(s + 3 * dim);
            var r4 = Avx.LoadVector256(s + 4 * dim);
            var r5 = Avx.LoadVector256(s + 5 * dim);
            var r6 = Avx.LoadVector256(s + 6 * dim);
            var r7 = Avx.LoadVector256(s + 7 * dim);
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            int n = Math.Min(8, dim - c0);
            StoreComponent(tile, tileStride, scales, scaled, c0, r0);
            if (n > 1) StoreComponent(tile, tileStride, scales, scaled, c0 + 1, r1);
            if (n > 2) StoreComponent(tile, tileStride, scales, scaled, c0 + 2, r2);
            if (n > 3) StoreComponent(tile, tileStride, scales, scaled, c0 + 3, r3);
            if (n > 4) StoreComponent(tile, tileStride, scales, scaled, c0 + 4, r4);
            if (n > 5) StoreComponent(tile, tileStride, scales, scaled, c0 + 5, r5);
            if (n > 6) StoreComponent(tile, tileStride, scales, scaled, c0 + 6, r6);
            if (n > 7) StoreComponent(tile, tileStride, scales, scaled, c0 + 7, r7);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Component(float* tile, int tileStride, int dim, float* scales, bool scaled, int c)
    {
        if (c >= dim) return Vector256<float>.Zero;
        var v = Avx.LoadVector256(tile + c * tileStride);
        return scaled ? v * scales[c] : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreComponent(float* tile, int tileStride, float* scales, bool scaled, int c, Vector256<float> v) =>
        Avx.Store(tile + c * tileStride, scaled ? v * scales[c] : v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    private static Vector256<float> Mask(params int[] lanes)
    {
        var m = new int[8];
        foreach (int lane in lanes) m[lane] = -1;
        return Vector256.Create(m).AsSingle();
    }
}
