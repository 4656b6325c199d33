using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace EquiGrid.Kernels;

/// <summary>The float32 tensor-product kernels that <see cref="TensorProduct"/> picks between (shapes checked by the caller).</summary>
internal interface IFloatTensorProductKernel
{
    void Forward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, Span<float> output, int rows, int threads);

    void Backward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, ReadOnlySpan<float> gradOutput,
        Span<float> gradX1, Span<float> gradX2, Span<float> gradWeights, int rows, int threads);
}

/// <summary>
/// The float32 CPU kernel that runs every path with the straight-line code generated for its coupling
/// (<see cref="TpPathKernels"/>: 3j values as constants, zeros dropped), for plans whose second input has multiplicity 1
/// on every path, whose output multiplicities are multiples of 8 and whose orders are all at most
/// <see cref="TpPathKernels.MaxL"/>, with AVX2 and FMA. Other plans use <see cref="SingleCopyFloatKernel"/> or the
/// generic kernel.
/// </summary>
/// <remarks>
/// Same data layout as <see cref="SingleCopyFloatKernel"/> (8 output channels per vector, the output and its gradient
/// transposed per row, the input gradients kept as 8-lane partial sums and summed once per row), but the per-path work
/// reads no tables: a row costs one indirect call per path. The normalisation coefficient scales the second input
/// instead of being folded into the 3j values, so results agree with the table kernels to float rounding, not bit for
/// bit. Rows are independent and every sum runs in a fixed order, so results do not depend on the thread count.
/// </remarks>
internal sealed unsafe class GeneratedPathFloatKernel : IFloatTensorProductKernel
{
    private const int Lanes = 8;

    private readonly TensorProductPlan _plan;
    private readonly PathCall[] _calls;

    /// <summary>The generated code of one path of the plan and where its blocks sit in a row.</summary>
    internal readonly struct PathCall
    {
        public required delegate*<float*, float*, float*, float*, int, int, float, void> Forward { get; init; }
        public required delegate*<float*, float*, float*, float*, float*, float*, float*, int, int, float, void> Backward { get; init; }
        public required int In1Start { get; init; }
        public required int In2Start { get; init; }
        public required int OutStart { get; init; }
        public required int WeightOffset { get; init; }
        public required int Mul1 { get; init; }
        public required int MulOut { get; init; }
        public required float Alpha { get; init; }
    }

    private GeneratedPathFloatKernel(TensorProductPlan plan, PathCall[] calls, PathCall?[] byPath)
    {
        _plan = plan;
        _calls = calls;
        ByPath = byPath;
    }

    /// <summary>The call for each path of the plan (by index), null for a path without weights (nothing to do).</summary>
    internal PathCall?[] ByPath { get; }

    /// <summary>The kernel for <paramref name="plan"/>, or null when the plan or the CPU does not qualify.</summary>
    public static GeneratedPathFloatKernel? TryCreate(TensorProductPlan plan)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported || plan.Paths.Length == 0) return null;
        var calls = new List<PathCall>();
        var byPath = new PathCall?[plan.Paths.Length];
        for (int n = 0; n < plan.Paths.Length; n++)
        {
            var p = plan.Paths[n];
            if (p.Mul2 != 1 || p.MulOut % Lanes != 0) return null;
            if (!TpPathKernels.TryGet((p.D1 - 1) / 2, (p.D2 - 1) / 2, (p.D3 - 1) / 2, out var forward, out var backward)) return null;
            // A path without input or output channels has no weights and adds nothing.
            if (p.Mul1 == 0 || p.MulOut == 0) continue;
            var call = new PathCall
            {
                Forward = forward, Backward = backward,
                In1Start = p.In1Start, In2Start = p.In2Start, OutStart = p.OutStart, WeightOffset = p.WeightOffset,
                Mul1 = p.Mul1, MulOut = p.MulOut, Alpha = (float)p.Coefficient,
            };
            calls.Add(call);
            byPath[n] = call;
        }
        return new GeneratedPathFloatKernel(plan, calls.ToArray(), byPath);
    }

    public void Forward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, Span<float> output, int rows, int threads)
    {
        if (rows == 0 || _plan.OutDim == 0) return;
        fixed (float* px1 = x1, px2 = x2, pw = weights, po = output)
        {
            nint a = (nint)px1, b = (nint)px2, w = (nint)pw, o = (nint)po;
            CpuTensorProductKernel<float>.ForRows(rows, threads, (start, end) =>
            {
                fixed (float* s = Workspace.For(this).Buffer)
                    for (int r = start; r < end; r++)
                        ForwardRow((float*)a + (long)r * _plan.In1Dim, (float*)b + (long)r * _plan.In2Dim,
                            (float*)w + (long)r * _plan.WeightNumel, (float*)o + (long)r * _plan.OutDim, s);
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
                fixed (float* s = Workspace.For(this).Buffer)
                    for (int r = start; r < end; r++)
                        BackwardRow((float*)a + (long)r * _plan.In1Dim, (float*)b + (long)r * _plan.In2Dim,
                            (float*)w + (long)r * _plan.WeightNumel, (float*)g + (long)r * _plan.OutDim,
                            (float*)ga + (long)r * _plan.In1Dim, (float*)gb + (long)r * _plan.In2Dim,
                            (float*)gw + (long)r * _plan.WeightNumel, s);
            });
        }
    }

    /// <summary>
    /// One thread's scratch, kept between calls: the transposed output (gradient) at 0, then the 8-lane partial sums
    /// of the first and second input's gradients.
    /// </summary>
    private sealed class Workspace
    {
        [ThreadStatic] private static Workspace? _cached;

        public readonly GeneratedPathFloatKernel Owner;
        public readonly float[] Buffer;

        private Workspace(GeneratedPathFloatKernel k)
        {
            Owner = k;
            Buffer = new float[k._plan.OutDim + (k._plan.In1Dim + k._plan.In2Dim) * Lanes];
        }

        public static Workspace For(GeneratedPathFloatKernel k)
        {
            var ws = _cached;
            if (ws is null || ws.Owner != k) _cached = ws = new Workspace(k);
            return ws;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardRow(float* x1, float* x2, float* w, float* output, float* s)
    {
        float* outT = s;
        new Span<float>(outT, _plan.OutDim).Clear();
        foreach (ref readonly var c in _calls.AsSpan())
            c.Forward(x1 + c.In1Start, x2 + c.In2Start, w + c.WeightOffset, outT + c.OutStart, c.Mul1, c.MulOut, c.Alpha);
        CpuTensorProductKernel<float>.ToMulMajor(outT, output, _plan.OutBlocks);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackwardRow(float* x1, float* x2, float* w, float* gOut, float* gx1, float* gx2, float* gw, float* s)
    {
        float* gT = s, aLanes = s + _plan.OutDim, bLanes = aLanes + _plan.In1Dim * Lanes;
        CpuTensorProductKernel<float>.ToChannelMinor(gOut, gT, _plan.OutBlocks);
        new Span<float>(aLanes, (_plan.In1Dim + _plan.In2Dim) * Lanes).Clear();
        foreach (ref readonly var c in _calls.AsSpan())
            c.Backward(x1 + c.In1Start, x2 + c.In2Start, w + c.WeightOffset, gT + c.OutStart, gw + c.WeightOffset,
                aLanes + c.In1Start * Lanes, bLanes + c.In2Start * Lanes, c.Mul1, c.MulOut, c.Alpha);
        SingleCopyFloatKernel.SumLanes(aLanes, gx1, _plan.In1Dim);
        SingleCopyFloatKernel.SumLanes(bLanes, gx2, _plan.In2Dim);
    }
}
