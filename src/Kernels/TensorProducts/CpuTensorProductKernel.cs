using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EquiGrid.Kernels;

/// <summary>Switches for the CPU kernel's optional fast paths, so tests and the bench can compare with them off.</summary>
internal static class CpuKernelSwitches
{
    /// <summary>Use the AVX2/FMA 8-way reduction in the weight-gradient step (float only; on by default).</summary>
    public static bool AvxWeightGradients { get; set; } = true;

    /// <summary>Group non-zeros into (k, i) runs when the second input has multiplicity 1 (on by default).</summary>
    public static bool CoupleRuns { get; set; } = true;

    /// <summary>
    /// Run float tensor products whose second input has multiplicity 1 with <see cref="SingleCopyFloatKernel"/> (on by
    /// default; off: the generic per-row kernel below).
    /// </summary>
    public static bool SingleCopyFloat { get; set; } = true;

    /// <summary>
    /// Run float tensor products whose every path has generated code (orders up to <see cref="TpPathKernels.MaxL"/>)
    /// with <see cref="GeneratedPathFloatKernel"/> (on by default; off: <see cref="SingleCopyFloat"/> decides).
    /// </summary>
    public static bool GeneratedPaths { get; set; } = true;
}

/// <summary>
/// The CPU execution of a <see cref="TensorProductPlan"/> for float or double, one row at a time per thread.
/// </summary>
/// <remarks>
/// Per row and path the work splits in two:
/// 1. the sparse coupling T[k][u,v] = sum over non-zero (i,j,k,c) of c * x1[u,i] * x2[v,j] (c already carries the
///    normalisation), cost nnz * mul1 * mul2;
/// 2. a small dense product out[k][w] += sum_{uv} T[k][uv] * W[uv][w], cost (2l3+1) * mul1 * mul2 * mulOut, which
///    dominates and is vectorised over the output channel w (contiguous in the weights).
/// Inputs are transposed per row from e3nn's [mul][2l+1] block layout into [2l+1][mul] scratch, so that both steps
/// run over contiguous channel vectors. Rows are split into contiguous chunks over threads; nothing is accumulated
/// across rows (every output, including weight gradients, belongs to one row), so results are deterministic.
/// </remarks>
internal sealed unsafe class CpuTensorProductKernel<T> where T : unmanaged, INumber<T>
{
    private readonly TensorProductPlan _plan;
    private readonly PathData[] _paths;
    private readonly int _maxCoupling;

    /// <summary>The plan's paths with their values in T and their (k, i) runs (shared with the fused edge kernel).</summary>
    internal PathData[] Paths => _paths;

    /// <summary>Largest d3 * mul1 * mul2 over the paths: the coupling buffer size.</summary>
    internal int MaxCoupling => _maxCoupling;

    internal sealed class PathData
    {
        public required CompiledPath Path;
        public required T[] Value;

        // Runs of non-zeros sharing (k, i) (the plan sorts by k, then i, then j): with one copy of the second input
        // (mul2 = 1, always the case for spherical harmonics) the j-sum of a run is a scalar, so each run costs one
        // vector update over u instead of one per non-zero.
        public required int[] RunStart;

        public static int[] Runs(CompiledPath p)
        {
            var starts = new List<int>();
            for (int n = 0; n < p.Nnz; n++)
                if (n == 0 || p.K[n] != p.K[n - 1] || p.I[n] != p.I[n - 1]) starts.Add(n);
            starts.Add(p.Nnz);
            return starts.ToArray();
        }
    }

    public CpuTensorProductKernel(TensorProductPlan plan)
    {
        _plan = plan;
        _paths = plan.Paths.Select(p => new PathData { Path = p, Value = p.Value.Select(T.CreateChecked).ToArray(), RunStart = PathData.Runs(p) }).ToArray();
        _maxCoupling = plan.Paths.Length == 0 ? 0 : plan.Paths.Max(p => p.D3 * p.M);
    }

    private static int VecCount => Vector<T>.Count;

    // ---------------------------------------------------------------- public entry points

    public void Forward(ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> weights, Span<T> output, int threads)
    {
        int rows = Rows(x1.Length, x2.Length, weights.Length, output.Length, "output");
        if (rows == 0 || _plan.OutDim == 0) return;
        fixed (T* px1 = x1, px2 = x2, pw = weights, po = output)
        {
            nint a = (nint)px1, b = (nint)px2, w = (nint)pw, o = (nint)po;
            ForRows(rows, threads, (start, end) =>
            {
                var scratch = new Scratch(_plan, _maxCoupling);
                fixed (T* s = scratch.Buffer)
                    for (int r = start; r < end; r++)
                        ForwardRow((T*)a + (long)r * _plan.In1Dim, (T*)b + (long)r * _plan.In2Dim, (T*)w + (long)r * _plan.WeightNumel,
                            (T*)o + (long)r * _plan.OutDim, s, scratch);
            });
        }
    }

    public void Backward(ReadOnlySpan<T> x1, ReadOnlySpan<T> x2, ReadOnlySpan<T> weights, ReadOnlySpan<T> gradOutput,
        Span<T> gradX1, Span<T> gradX2, Span<T> gradWeights, int threads)
    {
        int rows = Rows(x1.Length, x2.Length, weights.Length, gradOutput.Length, "gradOutput");
        CheckSame(gradX1.Length, x1.Length, "gradX1", "x1");
        CheckSame(gradX2.Length, x2.Length, "gradX2", "x2");
        CheckSame(gradWeights.Length, weights.Length, "gradWeights", "weights");
        if (rows == 0) return;
        fixed (T* px1 = x1, px2 = x2, pw = weights, pg = gradOutput, pgx1 = gradX1, pgx2 = gradX2, pgw = gradWeights)
        {
            nint a = (nint)px1, b = (nint)px2, w = (nint)pw, g = (nint)pg, ga = (nint)pgx1, gb = (nint)pgx2, gw = (nint)pgw;
            ForRows(rows, threads, (start, end) =>
            {
                var scratch = new Scratch(_plan, _maxCoupling);
                fixed (T* s = scratch.Buffer)
                    for (int r = start; r < end; r++)
                        BackwardRow((T*)a + (long)r * _plan.In1Dim, (T*)b + (long)r * _plan.In2Dim, (T*)w + (long)r * _plan.WeightNumel,
                            (T*)g + (long)r * _plan.OutDim, (T*)ga + (long)r * _plan.In1Dim, (T*)gb + (long)r * _plan.In2Dim,
                            (T*)gw + (long)r * _plan.WeightNumel, s, scratch);
            });
        }
    }

    /// <summary>Set by <see cref="TensorProduct"/> so shape errors come from one place.</summary>
    internal Func<int, int, int, int, string, int>? RowCounter { get; set; }

    private int Rows(int x1, int x2, int w, int o, string outName) =>
        RowCounter is not null ? RowCounter(x1, x2, w, o, outName) : throw new InvalidOperationException("kernel has no row counter");

    internal static void CheckSame(int length, int expected, string name, string like)
    {
        if (length != expected)
            throw new ArgumentException($"{name} has {length} values but {like} has {expected}: a gradient has its input's shape", name);
    }

    internal static void ForRows(int rows, int threads, Action<int, int> body)
    {
        threads = Math.Max(1, Math.Min(threads, Environment.ProcessorCount));
        // A few chunks per thread balance uneven progress; chunks are contiguous so each thread streams its rows.
        int chunks = Math.Min(rows, threads == 1 ? 1 : threads * 4);
        if (chunks <= 1 || rows < 64)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            long start = (long)rows * c / chunks, end = (long)rows * (c + 1) / chunks;
            body((int)start, (int)end);
        });
    }

    // ---------------------------------------------------------------- scratch layout

    /// <summary>Per-thread scratch: transposed inputs, output/gradient accumulators and the coupling buffers.</summary>
    private sealed class Scratch
    {
        public readonly T[] Buffer;
        public readonly int X1T, X2T, OutT, Coupling, GradCoupling, GX1T, GX2T;

        public Scratch(TensorProductPlan plan, int maxCoupling)
        {
            int pad = Vector<T>.Count; // keeps every region's tail readable by a full vector
            X1T = 0;
            X2T = X1T + plan.In1Dim + pad;
            OutT = X2T + plan.In2Dim + pad;
            Coupling = OutT + plan.OutDim + pad;
            GradCoupling = Coupling + maxCoupling + pad;
            GX1T = GradCoupling + maxCoupling + pad;
            GX2T = GX1T + plan.In1Dim + pad;
            Buffer = new T[GX2T + plan.In2Dim + pad];
        }
    }

    // ---------------------------------------------------------------- per-row work

    private void ForwardRow(T* x1, T* x2, T* w, T* output, T* s, Scratch sc)
    {
        T* x1t = s + sc.X1T, x2t = s + sc.X2T, outT = s + sc.OutT, cpl = s + sc.Coupling;
        ToChannelMinor(x1, x1t, _plan.In1Blocks);
        ToChannelMinor(x2, x2t, _plan.In2Blocks);
        new Span<T>(outT, _plan.OutDim).Clear();
        foreach (var pd in _paths)
        {
            var p = pd.Path;
            if (p.M == 0 || p.MulOut == 0) continue;
            Couple(pd, x1t, x2t, cpl);
            ContractWeights(cpl, w + p.WeightOffset, outT + p.OutStart, p.D3, p.M, p.MulOut);
        }
        ToMulMajor(outT, output, _plan.OutBlocks);
    }

    private void BackwardRow(T* x1, T* x2, T* w, T* gOut, T* gx1, T* gx2, T* gw, T* s, Scratch sc)
    {
        T* x1t = s + sc.X1T, x2t = s + sc.X2T, gOutT = s + sc.OutT, cpl = s + sc.Coupling, gCpl = s + sc.GradCoupling;
        T* gx1t = s + sc.GX1T, gx2t = s + sc.GX2T;
        ToChannelMinor(x1, x1t, _plan.In1Blocks);
        ToChannelMinor(x2, x2t, _plan.In2Blocks);
        ToChannelMinor(gOut, gOutT, _plan.OutBlocks);
        new Span<T>(gx1t, _plan.In1Dim).Clear();
        new Span<T>(gx2t, _plan.In2Dim).Clear();
        foreach (var pd in _paths)
        {
            var p = pd.Path;
            int nW = p.M * p.MulOut;
            if (nW == 0) continue;
            if (p.Nnz == 0) { new Span<T>(gw + p.WeightOffset, nW).Clear(); continue; }
            Couple(pd, x1t, x2t, cpl);
            WeightGradients(cpl, w + p.WeightOffset, gOutT + p.OutStart, gw + p.WeightOffset, gCpl, p.D3, p.M, p.MulOut);
            CoupleBackward(pd, x1t, x2t, gCpl, gx1t, gx2t);
        }
        ToMulMajor(gx1t, gx1, _plan.In1Blocks);
        ToMulMajor(gx2t, gx2, _plan.In2Blocks);
    }

    // [mul][d] (e3nn layout) -> [d][mul] (channel index fastest). This and ToMulMajor run once per row: compiled fully
    // optimised at once rather than after tiering, which a short batch would not wait for.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ToChannelMinor(T* src, T* dst, (int Start, int Mul, int D)[] blocks)
    {
        foreach (var (start, mul, d) in blocks)
        {
            if (d == 1) { new Span<T>(src + start, mul).CopyTo(new Span<T>(dst + start, mul)); continue; }
            T* s = src + start, t = dst + start;
            for (int u = 0; u < mul; u++)
                for (int i = 0; i < d; i++)
                    t[i * mul + u] = s[u * d + i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ToMulMajor(T* src, T* dst, (int Start, int Mul, int D)[] blocks)
    {
        foreach (var (start, mul, d) in blocks)
        {
            if (d == 1) { new Span<T>(src + start, mul).CopyTo(new Span<T>(dst + start, mul)); continue; }
            T* s = src + start, t = dst + start;
            for (int u = 0; u < mul; u++)
                for (int i = 0; i < d; i++)
                    t[u * d + i] = s[i * mul + u];
        }
    }

    // T[k][u*mul2 + v] = sum_{(i,j,k,c)} c * x1t[i][u] * x2t[j][v]
    internal static void Couple(PathData pd, T* x1t, T* x2t, T* cpl)
    {
        var p = pd.Path;
        int m = p.M, mul1 = p.Mul1, mul2 = p.Mul2;
        new Span<T>(cpl, p.D3 * m).Clear();
        T* a0 = x1t + p.In1Start, b0 = x2t + p.In2Start;
        int[] ii = p.I, jj = p.J, kk = p.K;
        T[] vals = pd.Value;
        if (mul2 == 1 && CpuKernelSwitches.CoupleRuns)
        {
            int[] runs = pd.RunStart;
            for (int r = 0; r + 1 < runs.Length; r++)
            {
                int first = runs[r];
                T sum = T.Zero;
                for (int n = first; n < runs[r + 1]; n++) sum += vals[n] * b0[jj[n]];
                Axpy(cpl + kk[first] * m, a0 + ii[first] * mul1, sum, mul1);
            }
            return;
        }
        for (int n = 0; n < vals.Length; n++)
        {
            T c = vals[n];
            T* a = a0 + ii[n] * mul1, b = b0 + jj[n] * mul2, t = cpl + kk[n] * m;
            if (mul2 == 1) Axpy(t, a, c * b[0], mul1);
            else if (mul1 == 1) Axpy(t, b, c * a[0], mul2);
            else for (int u = 0; u < mul1; u++) Axpy(t + u * mul2, b, c * a[u], mul2);
        }
    }

    // gx1t[i][u] += sum c * gT[k][uv] x2t[j][v];  gx2t[j][v] += sum c * gT[k][uv] x1t[i][u]
    internal static void CoupleBackward(PathData pd, T* x1t, T* x2t, T* gCpl, T* gx1t, T* gx2t)
    {
        var p = pd.Path;
        int m = p.M, mul1 = p.Mul1, mul2 = p.Mul2;
        T* a0 = x1t + p.In1Start, b0 = x2t + p.In2Start, ga0 = gx1t + p.In1Start, gb0 = gx2t + p.In2Start;
        int[] ii = p.I, jj = p.J, kk = p.K;
        T[] vals = pd.Value;
        if (mul2 == 1 && CpuKernelSwitches.CoupleRuns)
        {
            int[] runs = pd.RunStart;
            for (int r = 0; r + 1 < runs.Length; r++)
            {
                int first = runs[r], last = runs[r + 1];
                T* g = gCpl + kk[first] * m;
                int i = ii[first];
                T sum = T.Zero;
                for (int n = first; n < last; n++) sum += vals[n] * b0[jj[n]];
                Axpy(ga0 + i * mul1, g, sum, mul1);
                T d = Dot(g, a0 + i * mul1, mul1);
                for (int n = first; n < last; n++) gb0[jj[n]] += vals[n] * d;
            }
            return;
        }
        for (int n = 0; n < vals.Length; n++)
        {
            T c = vals[n];
            int i = ii[n], j = jj[n];
            T* a = a0 + i * mul1, b = b0 + j * mul2, ga = ga0 + i * mul1, gb = gb0 + j * mul2, g = gCpl + kk[n] * m;
            if (mul2 == 1)
            {
                Axpy(ga, g, c * b[0], mul1);
                gb[0] += c * Dot(g, a, mul1);
            }
            else
            {
                for (int u = 0; u < mul1; u++)
                {
                    T* gu = g + u * mul2;
                    ga[u] += c * Dot(gu, b, mul2);
                    Axpy(gb, gu, c * a[u], mul2);
                }
            }
        }
    }

    // out[k][w] += sum_uv cpl[k][uv] * W[uv][w]; blocks of 4 output components share each weight load.
    internal static void ContractWeights(T* cpl, T* w, T* outT, int d3, int m, int mulOut)
    {
        int vc = VecCount;
        int w0 = 0;
        for (; w0 + vc <= mulOut; w0 += vc)
        {
            int k = 0;
            for (; k + 4 <= d3; k += 4)
            {
                T* c0 = cpl + k * m, c1 = c0 + m, c2 = c1 + m, c3 = c2 + m;
                T* o0 = outT + k * mulOut + w0;
                var acc0 = Load(o0); var acc1 = Load(o0 + mulOut); var acc2 = Load(o0 + 2 * mulOut); var acc3 = Load(o0 + 3 * mulOut);
                T* wp = w + w0;
                for (int uv = 0; uv < m; uv++, wp += mulOut)
                {
                    var wv = Load(wp);
                    acc0 += new Vector<T>(c0[uv]) * wv;
                    acc1 += new Vector<T>(c1[uv]) * wv;
                    acc2 += new Vector<T>(c2[uv]) * wv;
                    acc3 += new Vector<T>(c3[uv]) * wv;
                }
                Store(o0, acc0); Store(o0 + mulOut, acc1); Store(o0 + 2 * mulOut, acc2); Store(o0 + 3 * mulOut, acc3);
            }
            for (; k < d3; k++)
            {
                T* c0 = cpl + k * m;
                T* o0 = outT + k * mulOut + w0;
                var accA = Load(o0); var accB = Vector<T>.Zero;
                T* wp = w + w0;
                int uv = 0;
                for (; uv + 2 <= m; uv += 2, wp += 2 * mulOut)
                {
                    accA += new Vector<T>(c0[uv]) * Load(wp);
                    accB += new Vector<T>(c0[uv + 1]) * Load(wp + mulOut);
                }
                if (uv < m) accA += new Vector<T>(c0[uv]) * Load(wp);
                Store(o0, accA + accB);
            }
        }
        for (; w0 < mulOut; w0++)
            for (int k = 0; k < d3; k++)
            {
                T s = T.Zero;
                T* c0 = cpl + k * m;
                for (int uv = 0; uv < m; uv++) s += c0[uv] * w[uv * mulOut + w0];
                outT[k * mulOut + w0] += s;
            }
    }

    // gW[uv][w] = sum_k cpl[k][uv] gOut[k][w];  gCpl[k][uv] = sum_w W[uv][w] gOut[k][w]
    internal static void WeightGradients(T* cpl, T* w, T* gOutT, T* gw, T* gCpl, int d3, int m, int mulOut)
    {
        int vc = VecCount;
        int full = mulOut - mulOut % vc;
        int uvStart = 0;
        if (typeof(T) == typeof(float) && CpuKernelSwitches.AvxWeightGradients && Fma.IsSupported && full == mulOut && mulOut % 8 == 0 && m >= 8)
            uvStart = WeightGradientsAvx((float*)cpl, (float*)w, (float*)gOutT, (float*)gw, (float*)gCpl, d3, m, mulOut);
        for (int uv = uvStart; uv < m; uv++)
        {
            T* wr = w + uv * mulOut, gwr = gw + uv * mulOut;
            for (int w0 = 0; w0 < full; w0 += vc)
            {
                var acc = Vector<T>.Zero;
                for (int k = 0; k < d3; k++) acc += new Vector<T>(cpl[k * m + uv]) * Load(gOutT + k * mulOut + w0);
                Store(gwr + w0, acc);
            }
            for (int w0 = full; w0 < mulOut; w0++)
            {
                T s = T.Zero;
                for (int k = 0; k < d3; k++) s += cpl[k * m + uv] * gOutT[k * mulOut + w0];
                gwr[w0] = s;
            }
            for (int k = 0; k < d3; k++) gCpl[k * m + uv] = Dot(wr, gOutT + k * mulOut, mulOut);
        }
    }

    // Float/AVX2 version of the above for blocks of 8 (u,v) pairs: the 8 dot products of one k are reduced together
    // by a horizontal-add tree (7 hadds + 1 lane swap) instead of 8 separate horizontal sums, which dominated the
    // backward pass. Returns the first (u,v) index left for the generic loop.
    private static int WeightGradientsAvx(float* cpl, float* w, float* gOutT, float* gw, float* gCpl, int d3, int m, int mulOut)
    {
        int uv0 = 0;
        for (; uv0 + 8 <= m; uv0 += 8)
        {
            // One 8-channel slice x of the output at a time: the 8 weight rows stay in registers for all k, and the
            // 8 weight-gradient accumulators too, so nothing round-trips through memory inside the k loop.
            for (int x = 0; x < mulOut; x += 8)
            {
                float* wr = w + uv0 * mulOut + x;
                var w0 = Avx.LoadVector256(wr); var w1 = Avx.LoadVector256(wr + mulOut);
                var w2 = Avx.LoadVector256(wr + 2 * mulOut); var w3 = Avx.LoadVector256(wr + 3 * mulOut);
                var w4 = Avx.LoadVector256(wr + 4 * mulOut); var w5 = Avx.LoadVector256(wr + 5 * mulOut);
                var w6 = Avx.LoadVector256(wr + 6 * mulOut); var w7 = Avx.LoadVector256(wr + 7 * mulOut);
                Vector256<float> g0 = default, g1 = default, g2 = default, g3 = default, g4 = default, g5 = default, g6 = default, g7 = default;
                for (int k = 0; k < d3; k++)
                {
                    var g = Avx.LoadVector256(gOutT + k * mulOut + x);
                    float* ck = cpl + k * m + uv0;
                    g0 = Fma.MultiplyAdd(Vector256.Create(ck[0]), g, g0);
                    g1 = Fma.MultiplyAdd(Vector256.Create(ck[1]), g, g1);
                    g2 = Fma.MultiplyAdd(Vector256.Create(ck[2]), g, g2);
                    g3 = Fma.MultiplyAdd(Vector256.Create(ck[3]), g, g3);
                    g4 = Fma.MultiplyAdd(Vector256.Create(ck[4]), g, g4);
                    g5 = Fma.MultiplyAdd(Vector256.Create(ck[5]), g, g5);
                    g6 = Fma.MultiplyAdd(Vector256.Create(ck[6]), g, g6);
                    g7 = Fma.MultiplyAdd(Vector256.Create(ck[7]), g, g7);
                    var q0 = Avx.HorizontalAdd(Avx.HorizontalAdd(Avx.Multiply(w0, g), Avx.Multiply(w1, g)), Avx.HorizontalAdd(Avx.Multiply(w2, g), Avx.Multiply(w3, g)));
                    var q1 = Avx.HorizontalAdd(Avx.HorizontalAdd(Avx.Multiply(w4, g), Avx.Multiply(w5, g)), Avx.HorizontalAdd(Avx.Multiply(w6, g), Avx.Multiply(w7, g)));
                    // q0 = [s0..s3 over the low 4 channels | s0..s3 over the high 4], q1 likewise for 4..7.
                    var sums = Avx.Add(Avx.Permute2x128(q0, q1, 0x20), Avx.Permute2x128(q0, q1, 0x31));
                    float* dst = gCpl + k * m + uv0;
                    Avx.Store(dst, x == 0 ? sums : Avx.Add(Avx.LoadVector256(dst), sums));
                }
                float* gr = gw + uv0 * mulOut + x;
                Avx.Store(gr, g0); Avx.Store(gr + mulOut, g1); Avx.Store(gr + 2 * mulOut, g2); Avx.Store(gr + 3 * mulOut, g3);
                Avx.Store(gr + 4 * mulOut, g4); Avx.Store(gr + 5 * mulOut, g5); Avx.Store(gr + 6 * mulOut, g6); Avx.Store(gr + 7 * mulOut, g7);
            }
        }
        return uv0;
    }

    // ---------------------------------------------------------------- vector helpers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load(T* p) => Unsafe.ReadUnaligned<Vector<T>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* p, Vector<T> v) => Unsafe.WriteUnaligned(p, v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(T* y, T* x, T a, int n)
    {
        int vc = VecCount, i = 0;
        if (n >= vc)
        {
            var av = new Vector<T>(a);
            for (; i + vc <= n; i += vc) Store(y + i, Load(y + i) + av * Load(x + i));
        }
        for (; i < n; i++) y[i] += a * x[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot(T* x, T* y, int n)
    {
        int vc = VecCount, i = 0;
        T s = T.Zero;
        if (n >= vc)
        {
            var acc = Vector<T>.Zero;
            for (; i + vc <= n; i += vc) acc += Load(x + i) * Load(y + i);
            s = Vector.Sum(acc);
        }
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }
}
