using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EquiGrid.Kernels;

/// <summary>
/// The float32 CPU kernel for tensor products whose second input has multiplicity 1 on every path (the second
/// input is a set of spherical harmonics in every tensor product of the study) and whose output multiplicities are
/// multiples of 8, with AVX2 and FMA. Falls back to <see cref="CpuTensorProductKernel{T}"/> otherwise.
/// </summary>
/// <remarks>
/// Per row and path, with a[u][i] the first input's block (e3nn's [mul][2l+1] layout, read as it is), b[j] the second
/// input's block, W[u][w] the path's weights and C[k][i] = sum_j c(i,j,k) b[j] (c: normalised 3j values, grouped in
/// (k, i) runs as the plan sorts them), every step runs with the 8 lanes of a vector over 8 output channels w, which
/// are contiguous in the weights, the weight gradients and the (transposed) output:
/// <list type="bullet">
/// <item>forward: Y[i][w] = sum_u a[u][i] W[u][w] (one broadcast FMA per (u, i)), then out[k][w] += C[k][i] Y[i][w]
/// per (k, i) run;</item>
/// <item>backward: G[i][w] = sum_k C[k][i] gOut[k][w] per run; gW[u][w] = sum_i a[u][i] G[i][w];
/// the x1 gradient sum_w W[u][w] G[i][w] and the x2 gradient sum over runs and w of c Y[i][w] gOut[k][w] are kept as
/// 8-lane partial sums per input element and summed across lanes once per row, 8 elements at a time.</item>
/// </list>
/// So nothing is transposed except the output (forward) and the output gradient (backward), no horizontal sum runs
/// inside the path loop, and the (u, i) broadcasts come straight from the input row. Rows are independent and every
/// sum runs in a fixed order, so results do not depend on the thread count.
/// </remarks>
internal sealed unsafe class SingleCopyFloatKernel : IFloatTensorProductKernel
{
    private const int Lanes = 8;

    private readonly TensorProductPlan _plan;
    private readonly PathTables[] _paths;
    private readonly int _maxD1, _maxRuns;

    // A path's tables live in arrays on the pinned heap and are read through pointers: no pinning and no bounds
    // checks in the row loops, whose loop variables then stay in registers.
    private sealed class PathTables
    {
        public required CompiledPath Path;
        public required int[] RunK, RunI, RunEnd; // run r covers non-zeros RunEnd[r-1] .. RunEnd[r] - 1
        public required int[] J;
        public required float[] C;

        // The same runs listed by i (RunsByI[IStart[i] .. IStart[i + 1]]) and the non-zeros listed by j
        // (NnzByJ[JStart[j] .. JStart[j + 1]], NnzRun[n]: the run of non-zero n), so that the backward pass sums each
        // G[i] and each x2-gradient element in a register instead of updating memory once per run or non-zero.
        public required int[] RunsByI, IStart, NnzByJ, JStart, NnzRun;

        public int* PRunK => Address(RunK);
        public int* PRunI => Address(RunI);
        public int* PRunEnd => Address(RunEnd);
        public int* PJ => Address(J);
        public float* PC => (float*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(C));
        public int* PRunsByI => Address(RunsByI);
        public int* PIStart => Address(IStart);
        public int* PNnzByJ => Address(NnzByJ);
        public int* PJStart => Address(JStart);
        public int* PNnzRun => Address(NnzRun);

        private static int* Address(int[] pinned) => (int*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(pinned));
    }

    private static T[] Pinned<T>(IEnumerable<T> values)
    {
        var list = values.ToArray();
        var array = GC.AllocateUninitializedArray<T>(list.Length, pinned: true);
        list.CopyTo(array, 0);
        return array;
    }

    private static int[] Starts(int[] keys, int count)
    {
        var starts = new int[count + 1];
        foreach (int key in keys) starts[key + 1]++;
        for (int n = 0; n < count; n++) starts[n + 1] += starts[n];
        return starts;
    }

    private SingleCopyFloatKernel(TensorProductPlan plan)
    {
        _plan = plan;
        _paths = plan.Paths.Where(p => p.Nnz > 0 && p.Mul1 > 0 && p.MulOut > 0).Select(p =>
        {
            int[] starts = CpuTensorProductKernel<float>.PathData.Runs(p);
            int runs = starts.Length - 1;
            int[] runI = Enumerable.Range(0, runs).Select(r => p.I[starts[r]]).ToArray();
            var nnzRun = new int[p.Nnz];
            for (int r = 0; r < runs; r++)
                for (int n = starts[r]; n < starts[r + 1]; n++) nnzRun[n] = r;
            return new PathTables
            {
                RunsByI = Pinned(Enumerable.Range(0, runs).OrderBy(r => runI[r]).ThenBy(r => r)),
                IStart = Pinned(Starts(runI, p.D1)),
                NnzByJ = Pinned(Enumerable.Range(0, p.Nnz).OrderBy(n => p.J[n]).ThenBy(n => n)),
                JStart = Pinned(Starts(p.J, p.D2)),
                NnzRun = Pinned(nnzRun),
                Path = p,
                RunK = Pinned(Enumerable.Range(0, runs).Select(r => p.K[starts[r]])),
                RunI = Pinned(runI),
                RunEnd = Pinned(starts.Skip(1)),
                J = Pinned(p.J),
                C = Pinned(p.Value.Select(v => (float)v)),
            };
        }).ToArray();
        _maxD1 = plan.Paths.Length == 0 ? 1 : plan.Paths.Max(p => p.D1);
        _maxRuns = _paths.Length == 0 ? 1 : _paths.Max(p => p.RunK.Length);
        _weightPaths = plan.Paths.Where(p => p.Mul1 > 0 && p.MulOut > 0).ToArray();
    }

    // Every path with weights, including those without non-zeros (whose weight gradients are zero).
    private readonly CompiledPath[] _weightPaths;

    /// <summary>The kernel for <paramref name="plan"/>, or null when the plan or the CPU does not qualify.</summary>
    public static SingleCopyFloatKernel? TryCreate(TensorProductPlan plan) =>
        Fma.IsSupported && Avx2.IsSupported && plan.Paths.Length > 0 && plan.Paths.All(p => p.Mul2 == 1 && p.MulOut % Lanes == 0)
            ? new SingleCopyFloatKernel(plan)
            : null;

    // ---------------------------------------------------------------- entry points (shapes checked by the caller)

    public void Forward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, Span<float> output, int rows, int threads)
    {
        if (rows == 0 || _plan.OutDim == 0) return;
        fixed (float* px1 = x1, px2 = x2, pw = weights, po = output)
        {
            nint a = (nint)px1, b = (nint)px2, w = (nint)pw, o = (nint)po;
            CpuTensorProductKernel<float>.ForRows(rows, threads, (start, end) =>
            {
                var ws = Workspace.For(this);
                fixed (float* s = ws.Buffer)
                    for (int r = start; r < end; r++)
                        ForwardRow((float*)a + (long)r * _plan.In1Dim, (float*)b + (long)r * _plan.In2Dim,
                            (float*)w + (long)r * _plan.WeightNumel, (float*)o + (long)r * _plan.OutDim, s, ws);
            });
        }
    }

    public void Backward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, ReadOnlySpan<float> gradOutput,
        Span<float> gradX1, Span<float> gradX2, Span<float> gradWeights, int rows, int threads)
    {
        if (rows == 0) return;
        fixed (float* px1 = x1, px2 = x2, pw = weights, pg = gradOutput, pgx1 = gradX1, pgx2 = gradX2, pgw = gradWeights)
        {
            nint a = (nint)px1, b = (nint)px2, w = (nint)pw, g = (nint)pg, ga = (nint)pgx1, gb = (nint)pgx2, gw = (nint)pgw;
            CpuTensorProductKernel<float>.ForRows(rows, threads, (start, end) =>
            {
                var ws = Workspace.For(this);
                fixed (float* s = ws.Buffer)
                    for (int r = start; r < end; r++)
                        BackwardRow((float*)a + (long)r * _plan.In1Dim, (float*)b + (long)r * _plan.In2Dim,
                            (float*)w + (long)r * _plan.WeightNumel, (float*)g + (long)r * _plan.OutDim,
                            (float*)ga + (long)r * _plan.In1Dim, (float*)gb + (long)r * _plan.In2Dim,
                            (float*)gw + (long)r * _plan.WeightNumel, s, ws);
            });
        }
    }

    // ---------------------------------------------------------------- scratch

    /// <summary>
    /// One thread's scratch, kept between calls (no allocation per call once warm): the transposed output or output
    /// gradient, Y and G for one path, the run coefficients and the 8-lane partial sums of the input gradients.
    /// </summary>
    private sealed class Workspace
    {
        [ThreadStatic] private static Workspace? _cached;

        public readonly SingleCopyFloatKernel Owner;
        public readonly float[] Buffer;
        public readonly int OutT, Y, G, Coef, Products, GradX1Lanes, GradX2Lanes;

        private Workspace(SingleCopyFloatKernel k)
        {
            Owner = k;
            var plan = k._plan;
            OutT = 0;
            Y = OutT + plan.OutDim + Lanes;
            G = Y + k._maxD1 * Lanes;
            Coef = G + k._maxD1 * Lanes;
            Products = Coef + k._maxRuns + Lanes;
            GradX1Lanes = Products + k._maxRuns * Lanes;
            GradX2Lanes = GradX1Lanes + (plan.In1Dim + Lanes) * Lanes;
            Buffer = new float[GradX2Lanes + (plan.In2Dim + Lanes) * Lanes];
        }

        public static Workspace For(SingleCopyFloatKernel k)
        {
            var ws = _cached;
            if (ws is null || ws.Owner != k) _cached = ws = new Workspace(k);
            return ws;
        }
    }

    // ---------------------------------------------------------------- per-row work

    private void ForwardRow(float* x1, float* x2, float* w, float* output, float* s, Workspace ws)
    {
        float* outT = s + ws.OutT;
        new Span<float>(outT, _plan.OutDim).Clear();
        foreach (var pt in _paths)
            ForwardPath(pt, x1, x2, w, outT, s + ws.Y, s + ws.Coef);
        CpuTensorProductKernel<float>.ToMulMajor(outT, output, _plan.OutBlocks);
    }

    // One path of one row (kept out of the row loop so that its loop variables stay in registers).
    private static void ForwardPath(PathTables pt, float* x1, float* x2, float* w, float* outT, float* y, float* coef)
    {
        var p = pt.Path;
        int mo = p.MulOut, nRuns = pt.RunK.Length;
        float* a = x1 + p.In1Start, wp = w + p.WeightOffset, ob = outT + p.OutStart;
        RunCoefficients(pt, x2 + p.In2Start, coef);
        int* runK = pt.PRunK, runI = pt.PRunI;
        for (int w0 = 0; w0 < mo; w0 += Lanes)
        {
            Project(a, wp + w0, p.Mul1, p.D1, mo, y);
            AddRuns(runK, runI, nRuns, coef, y, ob + w0, mo);
        }
    }

    // out[k] += C[k][i] Y[i] over the runs, which are sorted by k: each output row is loaded and stored once.
    private static void AddRuns(int* runK, int* runI, int nRuns, float* coef, float* y, float* ob, int mo)
    {
        for (int r = 0; r < nRuns;)
        {
            int k = runK[r];
            float* o = ob + k * mo;
            var acc = Avx.LoadVector256(o);
            for (; r < nRuns && runK[r] == k; r++)
                acc = Fma.MultiplyAdd(Vector256.Create(coef[r]), Avx.LoadVector256(y + runI[r] * Lanes), acc);
            Avx.Store(o, acc);
        }
    }

    private void BackwardRow(float* x1, float* x2, float* w, float* gOut, float* gx1, float* gx2, float* gw, float* s, Workspace ws)
    {
        float* gT = s + ws.OutT, gx1Lanes = s + ws.GradX1Lanes, gx2Lanes = s + ws.GradX2Lanes;
        CpuTensorProductKernel<float>.ToChannelMinor(gOut, gT, _plan.OutBlocks);
        new Span<float>(gx1Lanes, _plan.In1Dim * Lanes).Clear();
        new Span<float>(gx2Lanes, _plan.In2Dim * Lanes).Clear();
        foreach (var p in _weightPaths)
            if (p.Nnz == 0) new Span<float>(gw + p.WeightOffset, p.M * p.MulOut).Clear();
        foreach (var pt in _paths)
            BackwardPath(pt, x1, x2, w, gT, gw, gx1Lanes, gx2Lanes, s + ws.Y, s + ws.G, s + ws.Coef, s + ws.Products);
        SumLanes(gx1Lanes, gx1, _plan.In1Dim);
        SumLanes(gx2Lanes, gx2, _plan.In2Dim);
    }

    private static void BackwardPath(PathTables pt, float* x1, float* x2, float* w, float* gT, float* gw, float* gx1Lanes,
        float* gx2Lanes, float* y, float* gi, float* coef, float* prods)
    {
        var p = pt.Path;
        int mo = p.MulOut, mul1 = p.Mul1, d1 = p.D1, d2 = p.D2, nRuns = pt.RunK.Length;
        float* a = x1 + p.In1Start, wp = w + p.WeightOffset, gwp = gw + p.WeightOffset;
        float* aLanes = gx1Lanes + p.In1Start * Lanes, bLanes = gx2Lanes + p.In2Start * Lanes;
        RunCoefficients(pt, x2 + p.In2Start, coef);
        int* runK = pt.PRunK, runI = pt.PRunI;
        for (int w0 = 0; w0 < mo; w0 += Lanes)
        {
            float* gk = gT + p.OutStart + w0; // gOut[k][w0..] at gk + k * mo
            SumRunsByI(pt.PRunsByI, pt.PIStart, runK, coef, gk, mo, d1, gi);
            WeightAndX1Gradients(a, wp + w0, gwp + w0, gi, aLanes, mul1, d1, mo);
            // The x2 gradient's lanes: c * Y[i] * gOut[k] for every non-zero (i, j, k), summed per j.
            Project(a, wp + w0, mul1, d1, mo, y);
            for (int r = 0; r < nRuns; r++)
                Avx.Store(prods + r * Lanes, Avx.Multiply(Avx.LoadVector256(y + runI[r] * Lanes), Avx.LoadVector256(gk + runK[r] * mo)));
            SumNonZerosByJ(pt.PJStart, pt.PNnzByJ, pt.PNnzRun, pt.PC, prods, d2, bLanes);
        }
    }

    // G[i] = sum over runs (k, i) of C[k][i] gOut[k]
    private static void SumRunsByI(int* runsByI, int* iStart, int* runK, float* coef, float* gk, int mo, int d1, float* gi)
    {
        for (int i = 0; i < d1; i++)
        {
            var acc = Vector256<float>.Zero;
            for (int t = iStart[i]; t < iStart[i + 1]; t++)
            {
                int r = runsByI[t];
                acc = Fma.MultiplyAdd(Vector256.Create(coef[r]), Avx.LoadVector256(gk + runK[r] * mo), acc);
            }
            Avx.Store(gi + i * Lanes, acc);
        }
    }

    // bLanes[j] += sum over the non-zeros n with index j of c[n] * prods[run of n]
    private static void SumNonZerosByJ(int* jStart, int* nnzByJ, int* nnzRun, float* cc, float* prods, int d2, float* bLanes)
    {
        for (int j = 0; j < d2; j++)
        {
            float* bl = bLanes + j * Lanes;
            var acc = Avx.LoadVector256(bl);
            for (int t = jStart[j]; t < jStart[j + 1]; t++)
            {
                int n = nnzByJ[t];
                acc = Fma.MultiplyAdd(Vector256.Create(cc[n]), Avx.LoadVector256(prods + nnzRun[n] * Lanes), acc);
            }
            Avx.Store(bl, acc);
        }
    }

    // gW[u] = sum_i a[u][i] G[i] (stored), and the x1 gradient's lanes += W[u] * G[i] per (u, i); two u at a time
    // so that each G[i] is loaded once per pair.
    private static void WeightAndX1Gradients(float* a, float* wp, float* gwp, float* gi, float* aLanes, int mul1, int d1, int mo)
    {
        int u = 0;
        for (; u + 2 <= mul1; u += 2)
        {
            var w0 = Avx.LoadVector256(wp + u * mo);
            var w1 = Avx.LoadVector256(wp + (u + 1) * mo);
            float* a0 = a + u * d1;
            float* l0 = aLanes + u * d1 * Lanes;
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (int i = 0; i < d1; i++)
            {
                var g = Avx.LoadVector256(gi + i * Lanes);
                acc0 = Fma.MultiplyAdd(Vector256.Create(a0[i]), g, acc0);
                acc1 = Fma.MultiplyAdd(Vector256.Create(a0[d1 + i]), g, acc1);
                float* la = l0 + i * Lanes, lb = la + d1 * Lanes;
                Avx.Store(la, Fma.MultiplyAdd(w0, g, Avx.LoadVector256(la)));
                Avx.Store(lb, Fma.MultiplyAdd(w1, g, Avx.LoadVector256(lb)));
            }
            Avx.Store(gwp + u * mo, acc0);
            Avx.Store(gwp + (u + 1) * mo, acc1);
        }
        if (u < mul1)
        {
            var wu = Avx.LoadVector256(wp + u * mo);
            float* au = a + u * d1;
            float* lu = aLanes + u * d1 * Lanes;
            var acc = Vector256<float>.Zero;
            for (int i = 0; i < d1; i++)
            {
                var g = Avx.LoadVector256(gi + i * Lanes);
                acc = Fma.MultiplyAdd(Vector256.Create(au[i]), g, acc);
                Avx.Store(lu + i * Lanes, Fma.MultiplyAdd(wu, g, Avx.LoadVector256(lu + i * Lanes)));
            }
            Avx.Store(gwp + u * mo, acc);
        }
    }

    // coef[r] = sum over the run's non-zeros of c * b[j]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunCoefficients(PathTables pt, float* b, float* coef)
    {
        int runs = pt.RunEnd.Length;
        int* runEnd = pt.PRunEnd, jj = pt.PJ;
        float* cc = pt.PC;
        for (int r = 0, n = 0; r < runs; r++)
        {
            float sum = 0;
            for (; n < runEnd[r]; n++) sum += cc[n] * b[jj[n]];
            coef[r] = sum;
        }
    }

    // y[i][0..8] = sum_u a[u * d1 + i] * W[u * mo .. + 8] for i < d1; four i at a time so that four independent FMA
    // chains overlap and each weight vector is loaded once per four i.
    private static void Project(float* a, float* wp, int mul1, int d1, int mo, float* y)
    {
        int i = 0;
        for (; i + 4 <= d1; i += 4)
        {
            Vector256<float> y0 = default, y1 = default, y2 = default, y3 = default;
            float* ai = a + i, wu = wp;
            for (int u = 0; u < mul1; u++, ai += d1, wu += mo)
            {
                var wv = Avx.LoadVector256(wu);
                y0 = Fma.MultiplyAdd(Vector256.Create(ai[0]), wv, y0);
                y1 = Fma.MultiplyAdd(Vector256.Create(ai[1]), wv, y1);
                y2 = Fma.MultiplyAdd(Vector256.Create(ai[2]), wv, y2);
                y3 = Fma.MultiplyAdd(Vector256.Create(ai[3]), wv, y3);
            }
            Avx.Store(y + i * Lanes, y0); Avx.Store(y + (i + 1) * Lanes, y1);
            Avx.Store(y + (i + 2) * Lanes, y2); Avx.Store(y + (i + 3) * Lanes, y3);
        }
        for (; i < d1; i++)
        {
            // Two chains over even and odd u.
            Vector256<float> e = default, o = default;
            float* ai = a + i, wu = wp;
            int u = 0;
            for (; u + 2 <= mul1; u += 2, ai += 2 * d1, wu += 2 * mo)
            {
                e = Fma.MultiplyAdd(Vector256.Create(ai[0]), Avx.LoadVector256(wu), e);
                o = Fma.MultiplyAdd(Vector256.Create(ai[d1]), Avx.LoadVector256(wu + mo), o);
            }
            if (u < mul1) e = Fma.MultiplyAdd(Vector256.Create(ai[0]), Avx.LoadVector256(wu), e);
            Avx.Store(y + i * Lanes, Avx.Add(e, o));
        }
    }

    // dst[n] = sum of the 8 lanes of lanes[n]; eight elements at a time with a horizontal-add tree. Called once per row
    // and input: compiled fully optimised at once rather than after tiering, which a short batch would not wait for.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SumLanes(float* lanes, float* dst, int count)
    {
        int n = 0;
        for (; n + 8 <= count; n += 8)
        {
            float* l = lanes + n * Lanes;
            var q0 = Avx.HorizontalAdd(
                Avx.HorizontalAdd(Avx.LoadVector256(l), Avx.LoadVector256(l + 8)),
                Avx.HorizontalAdd(Avx.LoadVector256(l + 16), Avx.LoadVector256(l + 24)));
            var q1 = Avx.HorizontalAdd(
                Avx.HorizontalAdd(Avx.LoadVector256(l + 32), Avx.LoadVector256(l + 40)),
                Avx.HorizontalAdd(Avx.LoadVector256(l + 48), Avx.LoadVector256(l + 56)));
            // q0 = [s0..s3 over the low 4 lanes | s0..s3 over the high 4], q1 likewise for elements 4..7.
            Avx.Store(dst + n, Avx.Add(Avx.Permute2x128(q0, q1, 0x20), Avx.Permute2x128(q0, q1, 0x31)));
        }
        for (; n < count; n++)
        {
            var v = Avx.LoadVector256(lanes + n * Lanes);
            var h = Avx.HorizontalAdd(Avx.HorizontalAdd(v, v), Vector256<float>.Zero);
            dst[n] = h.GetElement(0) + h.GetElement(4);
        }
    }
}
