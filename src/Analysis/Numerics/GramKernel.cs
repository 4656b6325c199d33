using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// Blocked dot products between rows of two row-major matrices (the inner loop of every brute-force
/// distance computation here): a 2 x 4 register tile of SIMD accumulators reuses each loaded vector
/// several times, which is what makes exact k-NN on 13k x 128 fast enough without a tree.
/// </summary>
internal static class GramKernel
{
    /// <summary>
    /// Writes <c>dots[(i - i0) * (j1 - j0) + (j - j0)] = A[i] . B[j]</c> for i in [i0, i1), j in [j0, j1).
    /// </summary>
    public static void Dots<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int dim, int i0, int i1, int j0, int j1, Span<T> dots)
        where T : unmanaged, INumber<T>
    {
        int bw = j1 - j0;
        int i = i0;
        for (; i + 1 < i1; i += 2)
        {
            var a0 = a.Slice(i * dim, dim);
            var a1 = a.Slice((i + 1) * dim, dim);
            int j = j0;
            for (; j + 3 < j1; j += 4)
            {
                Tile2x4(a0, a1, b.Slice(j * dim, dim), b.Slice((j + 1) * dim, dim), b.Slice((j + 2) * dim, dim), b.Slice((j + 3) * dim, dim),
                    out var d00, out var d01, out var d02, out var d03, out var d10, out var d11, out var d12, out var d13);
                int r0 = (i - i0) * bw + (j - j0), r1 = r0 + bw;
                dots[r0] = d00; dots[r0 + 1] = d01; dots[r0 + 2] = d02; dots[r0 + 3] = d03;
                dots[r1] = d10; dots[r1 + 1] = d11; dots[r1 + 2] = d12; dots[r1 + 3] = d13;
            }
            for (; j < j1; j++)
            {
                var bj = b.Slice(j * dim, dim);
                dots[(i - i0) * bw + (j - j0)] = Dot(a0, bj);
                dots[(i + 1 - i0) * bw + (j - j0)] = Dot(a1, bj);
            }
        }
        for (; i < i1; i++)
        {
            var ai = a.Slice(i * dim, dim);
            for (int j = j0; j < j1; j++) dots[(i - i0) * bw + (j - j0)] = Dot(ai, b.Slice(j * dim, dim));
        }
    }

    /// <summary>Plain SIMD dot product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        var vx = MemoryMarshal.Cast<T, Vector<T>>(x);
        var vy = MemoryMarshal.Cast<T, Vector<T>>(y);
        for (int k = 0; k < vx.Length; k++) acc += vx[k] * vy[k];
        T s = Vector.Sum(acc);
        for (int k = vx.Length * w; k < x.Length; k++) s += x[k] * y[k];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile2x4<T>(ReadOnlySpan<T> a0, ReadOnlySpan<T> a1, ReadOnlySpan<T> b0, ReadOnlySpan<T> b1, ReadOnlySpan<T> b2, ReadOnlySpan<T> b3,
        out T d00, out T d01, out T d02, out T d03, out T d10, out T d11, out T d12, out T d13) where T : unmanaged, INumber<T>
    {
        var va0 = MemoryMarshal.Cast<T, Vector<T>>(a0);
        var va1 = MemoryMarshal.Cast<T, Vector<T>>(a1);
        var vb0 = MemoryMarshal.Cast<T, Vector<T>>(b0);
        var vb1 = MemoryMarshal.Cast<T, Vector<T>>(b1);
        var vb2 = MemoryMarshal.Cast<T, Vector<T>>(b2);
        var vb3 = MemoryMarshal.Cast<T, Vector<T>>(b3);
        Vector<T> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        for (int k = 0; k < va0.Length; k++)
        {
            var x0 = va0[k];
            var x1 = va1[k];
            var y = vb0[k]; s00 += x0 * y; s10 += x1 * y;
            y = vb1[k]; s01 += x0 * y; s11 += x1 * y;
            y = vb2[k]; s02 += x0 * y; s12 += x1 * y;
            y = vb3[k]; s03 += x0 * y; s13 += x1 * y;
        }
        d00 = Vector.Sum(s00); d01 = Vector.Sum(s01); d02 = Vector.Sum(s02); d03 = Vector.Sum(s03);
        d10 = Vector.Sum(s10); d11 = Vector.Sum(s11); d12 = Vector.Sum(s12); d13 = Vector.Sum(s13);
        int w = Vector<T>.Count;
        for (int k = va0.Length * w; k < a0.Length; k++)
        {
            d00 += a0[k] * b0[k]; d01 += a0[k] * b1[k]; d02 += a0[k] * b2[k]; d03 += a0[k] * b3[k];
            d10 += a1[k] * b0[k]; d11 += a1[k] * b1[k]; d12 += a1[k] * b2[k]; d13 += a1[k] * b3[k];
        }
    }

    /// <summary>Squared Euclidean norm of every row.</summary>
    public static T[] RowNormsSquared<T>(ReadOnlySpan<T> a, int rows, int dim) where T : unmanaged, INumber<T>
    {
        var n = new T[rows];
        for (int i = 0; i < rows; i++) { var r = a.Slice(i * dim, dim); n[i] = Dot(r, r); }
        return n;
    }

    /// <summary>
    /// C = A * B^T for row-major A (m x k) and B (n x k), in parallel over row blocks of A; each output element
    /// is written by exactly one thread, so the result is deterministic.
    /// </summary>
    public static double[] MultiplyTransposed(double[] a, int m, double[] b, int n, int k)
    {
        var c = new double[checked(m * n)];
        const int bi = 32, bj = 128;
        int blocks = (m + bi - 1) / bi;
        Parallel.For(0, blocks, blk =>
        {
            int i0 = blk * bi, i1 = Math.Min(m, i0 + bi);
            var tile = new double[bi * bj];
            for (int j0 = 0; j0 < n; j0 += bj)
            {
                int j1 = Math.Min(n, j0 + bj);
                Dots<double>(a, b, k, i0, i1, j0, j1, tile);
                int w = j1 - j0;
                for (int i = i0; i < i1; i++) tile.AsSpan((i - i0) * w, w).CopyTo(c.AsSpan(i * n + j0, w));
            }
        });
        return c;
    }
}
