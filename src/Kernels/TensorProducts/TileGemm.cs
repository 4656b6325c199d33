using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EquiGrid.Kernels;

/// <summary>
/// The three small float GEMMs of the fused edge kernel, on one tile of edges and one path's slice of the radial
/// weight matrix: generate the per-edge weights, and push their gradient back into the radial features and the
/// radial weight matrix.
/// </summary>
/// <remarks>
/// Every output element is one fused-multiply-add chain in a fixed order (over d, over n in 16-lane vectors then a
/// fixed horizontal sum, or over edges in tile order), whatever the tile's row count or the register blocking: the
/// AVX-512 code and the scalar tails compute the same chain (one rounding per FMA both ways), so results do not
/// depend on how edges are cut into tiles or threads. Without AVX-512 the same chains run through
/// <see cref="MathF.FusedMultiplyAdd"/>, slowly but with identical results.
/// </remarks>
internal static unsafe class TileGemm
{
    private static bool Wide => Avx512F.IsSupported;

    /// <summary>
    /// c[t][n] = sum_d a[t][d] * b[d][n] for t &lt; rows, n &lt; cols; a is [rows, depth] (stride depth), b has row
    /// stride ldb, c is [rows, cols] (stride cols). The per-edge weights of one path: a = scaled radial features,
    /// b = the path's columns of the radial weight matrix.
    /// </summary>
    public static void Generate(float* a, int rows, int depth, float* b, int ldb, float* c, int cols)
    {
        int n0 = 0;
        if (Wide)
        {
            for (; n0 + 64 <= cols; n0 += 64)
            {
                int t = 0;
                for (; t + 4 <= rows; t += 4) Generate4x64(a + t * depth, depth, b + n0, ldb, c + t * cols + n0, cols);
                for (; t < rows; t++) Generate1x64(a + t * depth, depth, b + n0, ldb, c + t * cols + n0);
            }
            for (; n0 + 16 <= cols; n0 += 16)
                for (int t = 0; t < rows; t++)
                {
                    var acc = Vector512<float>.Zero;
                    float* at = a + t * depth;
                    for (int d = 0; d < depth; d++) acc = Avx512F.FusedMultiplyAdd(Vector512.Create(at[d]), Vector512.Load(b + d * ldb + n0), acc);
                    acc.Store(c + t * cols + n0);
                }
        }
        for (; n0 < cols; n0++)
            for (int t = 0; t < rows; t++)
            {
                float s = 0;
                float* at = a + t * depth;
                for (int d = 0; d < depth; d++) s = MathF.FusedMultiplyAdd(at[d], b[d * ldb + n0], s);
                c[t * cols + n0] = s;
            }
    }

    // 4 rows x 64 columns: 16 accumulators, one pass over depth; each weight-matrix vector is loaded once for 4 edges.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Generate4x64(float* a, int depth, float* b, int ldb, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        float* a1 = a + depth, a2 = a1 + depth, a3 = a2 + depth;
        for (int d = 0; d < depth; d++)
        {
            float* bd = b + d * ldb;
            var b0 = Vector512.Load(bd); var b1 = Vector512.Load(bd + 16); var b2 = Vector512.Load(bd + 32); var b3 = Vector512.Load(bd + 48);
            var x = Vector512.Create(a[d]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x, b2, c02); c03 = Avx512F.FusedMultiplyAdd(x, b3, c03);
            x = Vector512.Create(a1[d]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            c12 = Avx512F.FusedMultiplyAdd(x, b2, c12); c13 = Avx512F.FusedMultiplyAdd(x, b3, c13);
            x = Vector512.Create(a2[d]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            c22 = Avx512F.FusedMultiplyAdd(x, b2, c22); c23 = Avx512F.FusedMultiplyAdd(x, b3, c23);
            x = Vector512.Create(a3[d]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            c32 = Avx512F.FusedMultiplyAdd(x, b2, c32); c33 = Avx512F.FusedMultiplyAdd(x, b3, c33);
        }
        c00.Store(c); c01.Store(c + 16); c02.Store(c + 32); c03.Store(c + 48); c += ldc;
        c10.Store(c); c11.Store(c + 16); c12.Store(c + 32); c13.Store(c + 48); c += ldc;
        c20.Store(c); c21.Store(c + 16); c22.Store(c + 32); c23.Store(c + 48); c += ldc;
        c30.Store(c); c31.Store(c + 16); c32.Store(c + 32); c33.Store(c + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Generate1x64(float* a, int depth, float* b, int ldb, float* c)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int d = 0; d < depth; d++)
        {
            float* bd = b + d * ldb;
            var x = Vector512.Create(a[d]);
            c0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(bd), c0); c1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(bd + 16), c1);
            c2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(bd + 32), c2); c3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(bd + 48), c3);
        }
        c0.Store(c); c1.Store(c + 16); c2.Store(c + 32); c3.Store(c + 48);
    }

    /// <summary>
    /// c[t][d] += sum_n g[t][n] * b[d][n] for t &lt; rows, d &lt; depth: the gradient of the radial features from one
    /// path's weight gradient g [rows, cols] and the path's columns b (row stride ldb) of the radial weight matrix;
    /// c is [rows, depth].
    /// </summary>
    public static void BackToFeatures(float* g, int rows, int cols, float* b, int ldb, float* c, int depth)
    {
        int t = 0;
        if (Wide)
            for (; t + 4 <= rows; t += 4)
            {
                int d = 0;
                for (; d + 4 <= depth; d += 4) Dots4x4(g + t * cols, cols, b + d * ldb, ldb, c + t * depth + d, depth);
                for (; d < depth; d++)
                    for (int r = 0; r < 4; r++) c[(t + r) * depth + d] += Dot(g + (t + r) * cols, b + d * ldb, cols);
            }
        for (; t < rows; t++)
            for (int d = 0; d < depth; d++) c[t * depth + d] += Dot(g + t * cols, b + d * ldb, cols);
    }

    // 16 dot products (4 edges x 4 radial features) sharing their loads; each one is reduced exactly as Dot does.
    private static void Dots4x4(float* g, int cols, float* b, int ldb, float* c, int ldc)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
        float* g1 = g + cols, g2 = g1 + cols, g3 = g2 + cols;
        float* b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int n = 0;
        for (; n + 16 <= cols; n += 16)
        {
            var w0 = Vector512.Load(b + n); var w1 = Vector512.Load(b1 + n); var w2 = Vector512.Load(b2 + n); var w3 = Vector512.Load(b3 + n);
            var x = Vector512.Load(g + n);
            s00 = Avx512F.FusedMultiplyAdd(x, w0, s00); s01 = Avx512F.FusedMultiplyAdd(x, w1, s01);
            s02 = Avx512F.FusedMultiplyAdd(x, w2, s02); s03 = Avx512F.FusedMultiplyAdd(x, w3, s03);
            x = Vector512.Load(g1 + n);
            s10 = Avx512F.FusedMultiplyAdd(x, w0, s10); s11 = Avx512F.FusedMultiplyAdd(x, w1, s11);
            s12 = Avx512F.FusedMultiplyAdd(x, w2, s12); s13 = Avx512F.FusedMultiplyAdd(x, w3, s13);
            x = Vector512.Load(g2 + n);
            s20 = Avx512F.FusedMultiplyAdd(x, w0, s20); s21 = Avx512F.FusedMultiplyAdd(x, w1, s21);
            s22 = Avx512F.FusedMultiplyAdd(x, w2, s22); s23 = Avx512F.FusedMultiplyAdd(x, w3, s23);
            x = Vector512.Load(g3 + n);
            s30 = Avx512F.FusedMultiplyAdd(x, w0, s30); s31 = Avx512F.FusedMultiplyAdd(x, w1, s31);
            s32 = Avx512F.FusedMultiplyAdd(x, w2, s32); s33 = Avx512F.FusedMultiplyAdd(x, w3, s33);
        }
        c[0] += Finish(s00, g, b, n, cols); c[1] += Finish(s01, g, b1, n, cols); c[2] += Finish(s02, g, b2, n, cols); c[3] += Finish(s03, g, b3, n, cols);
        c += ldc;
        c[0] += Finish(s10, g1, b, n, cols); c[1] += Finish(s11, g1, b1, n, cols); c[2] += Finish(s12, g1, b2, n, cols); c[3] += Finish(s13, g1, b3, n, cols);
        c += ldc;
        c[0] += Finish(s20, g2, b, n, cols); c[1] += Finish(s21, g2, b1, n, cols); c[2] += Finish(s22, g2, b2, n, cols); c[3] += Finish(s23, g2, b3, n, cols);
        c += ldc;
        c[0] += Finish(s30, g3, b, n, cols); c[1] += Finish(s31, g3, b1, n, cols); c[2] += Finish(s32, g3, b2, n, cols); c[3] += Finish(s33, g3, b3, n, cols);
    }

    // The one reduction every dot product of BackToFeatures uses: 16-lane partial sums, a fixed horizontal sum, then
    // the scalar tail.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector512<float> acc, float* x, float* y, int n, int count)
    {
        float s = Vector512.Sum(acc);
        for (; n < count; n++) s = MathF.FusedMultiplyAdd(x[n], y[n], s);
        return s;
    }

    private static float Dot(float* x, float* y, int count)
    {
        int n = 0;
        var acc = Vector512<float>.Zero;
        if (Wide)
            for (; n + 16 <= count; n += 16) acc = Avx512F.FusedMultiplyAdd(Vector512.Load(x + n), Vector512.Load(y + n), acc);
        else
        {
            // Same chains as the vector loop: lane l accumulates elements l, l+16, ...
            var lanes = stackalloc float[16];
            for (; n + 16 <= count; n += 16)
                for (int l = 0; l < 16; l++) lanes[l] = MathF.FusedMultiplyAdd(x[n + l], y[n + l], lanes[l]);
            acc = Vector512.Load(lanes);
        }
        return Finish(acc, x, y, n, count);
    }

    /// <summary>
    /// c[d][n] += sum_t a[t][d] * g[t][n] for d &lt; depth, n &lt; cols, t in order: one tile's contribution to the
    /// radial weight matrix gradient (a = scaled radial features [rows, depth], g = the path's weight gradient
    /// [rows, cols], c = the path's columns of the gradient accumulator, row stride ldc).
    /// </summary>
    public static void AccumulateOuter(float* a, int rows, int depth, float* g, int cols, float* c, int ldc)
    {
        int n0 = 0;
        if (Wide)
        {
            for (; n0 + 64 <= cols; n0 += 64)
            {
                int d = 0;
                for (; d + 4 <= depth; d += 4) Outer4x64(a + d, rows, depth, g + n0, cols, c + d * ldc + n0, ldc);
                for (; d < depth; d++)
                    for (int j = 0; j < 64; j += 16) Outer1x16(a + d, rows, depth, g + n0 + j, cols, c + d * ldc + n0 + j);
            }
            for (; n0 + 16 <= cols; n0 += 16)
                for (int d = 0; d < depth; d++) Outer1x16(a + d, rows, depth, g + n0, cols, c + d * ldc + n0);
        }
        for (; n0 < cols; n0++)
            for (int d = 0; d < depth; d++)
            {
                float s = c[d * ldc + n0];
                for (int t = 0; t < rows; t++) s = MathF.FusedMultiplyAdd(a[t * depth + d], g[t * cols + n0], s);
                c[d * ldc + n0] = s;
            }
    }

    private static void Outer4x64(float* a, int rows, int depth, float* g, int ldg, float* c, int ldc)
    {
        float* r0 = c, r1 = c + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        var c00 = Vector512.Load(r0); var c01 = Vector512.Load(r0 + 16); var c02 = Vector512.Load(r0 + 32); var c03 = Vector512.Load(r0 + 48);
        var c10 = Vector512.Load(r1); var c11 = Vector512.Load(r1 + 16); var c12 = Vector512.Load(r1 + 32); var c13 = Vector512.Load(r1 + 48);
        var c20 = Vector512.Load(r2); var c21 = Vector512.Load(r2 + 16); var c22 = Vector512.Load(r2 + 32); var c23 = Vector512.Load(r2 + 48);
        var c30 = Vector512.Load(r3); var c31 = Vector512.Load(r3 + 16); var c32 = Vector512.Load(r3 + 32); var c33 = Vector512.Load(r3 + 48);
        for (int t = 0; t < rows; t++)
        {
            float* gt = g + t * ldg;
            float* at = a + t * depth;
            var g0 = Vector512.Load(gt); var g1 = Vector512.Load(gt + 16); var g2 = Vector512.Load(gt + 32); var g3 = Vector512.Load(gt + 48);
            var x = Vector512.Create(at[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, g0, c00); c01 = Avx512F.FusedMultiplyAdd(x, g1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x, g2, c02); c03 = Avx512F.FusedMultiplyAdd(x, g3, c03);
            x = Vector512.Create(at[1]);
            c10 = Avx512F.FusedMultiplyAdd(x, g0, c10); c11 = Avx512F.FusedMultiplyAdd(x, g1, c11);
            c12 = Avx512F.FusedMultiplyAdd(x, g2, c12); c13 = Avx512F.FusedMultiplyAdd(x, g3, c13);
            x = Vector512.Create(at[2]);
            c20 = Avx512F.FusedMultiplyAdd(x, g0, c20); c21 = Avx512F.FusedMultiplyAdd(x, g1, c21);
            c22 = Avx512F.FusedMultiplyAdd(x, g2, c22); c23 = Avx512F.FusedMultiplyAdd(x, g3, c23);
            x = Vector512.Create(at[3]);
            c30 = Avx512F.FusedMultiplyAdd(x, g0, c30); c31 = Avx512F.FusedMultiplyAdd(x, g1, c31);
            c32 = Avx512F.FusedMultiplyAdd(x, g2, c32); c33 = Avx512F.FusedMultiplyAdd(x, g3, c33);
        }
        c00.Store(r0); c01.Store(r0 + 16); c02.Store(r0 + 32); c03.Store(r0 + 48);
        c10.Store(r1); c11.Store(r1 + 16); c12.Store(r1 + 32); c13.Store(r1 + 48);
        c20.Store(r2); c21.Store(r2 + 16); c22.Store(r2 + 32); c23.Store(r2 + 48);
        c30.Store(r3); c31.Store(r3 + 16); c32.Store(r3 + 32); c33.Store(r3 + 48);
    }

    private static void Outer1x16(float* a, int rows, int depth, float* g, int ldg, float* c)
    {
        var acc = Vector512.Load(c);
        for (int t = 0; t < rows; t++) acc = Avx512F.FusedMultiplyAdd(Vector512.Create(a[t * depth]), Vector512.Load(g + t * ldg), acc);
        acc.Store(c);
    }
}
