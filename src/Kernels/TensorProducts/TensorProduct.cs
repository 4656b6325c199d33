namespace EquiGrid.Kernels;

/// <summary>
/// A tensor product of two irreps-valued inputs defined by an explicit instruction list (e3nn's
/// <c>o3.TensorProduct</c>, mode "uvw", per-sample weights). For each row n and each instruction
/// (block a of input 1, block b of input 2 -> block c of the output):
/// <c>out[n, c][w, k] += s * sum_{u,v,i,j} W[n, path][u, v, w] * x1[n, a][u, i] * x2[n, b][v, j] * C[i, j, k]</c>
/// with C the real Wigner 3j symbol and s = <see cref="TensorProductInstruction.NormalizationCoefficient"/>.
/// Feature blocks are laid out multiplicity-major ([mul][2l+1]) as in <see cref="Irreps"/>; the weights of one row
/// are the instructions' [mul1, mul2, mulOut] blocks concatenated in instruction order.
/// The object is immutable and thread-safe; <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
/// and <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float})"/>
/// run on the CPU, vectorised and multi-threaded over rows.
/// </summary>
public sealed class TensorProduct
{
    private readonly TensorProductInstruction[] _instructions;
    private readonly int[] _weightOffsets;
    private readonly Lazy<TensorProductPlan> _plan;
    private readonly Lazy<CpuTensorProductKernel<float>> _cpuFloat;
    private readonly Lazy<CpuTensorProductKernel<double>> _cpuDouble;
    private readonly Lazy<SingleCopyFloatKernel?> _singleCopyFloat;
    private readonly Lazy<GeneratedPathFloatKernel?> _generatedFloat;

    /// <summary>
    /// Builds a tensor product from explicit instructions, validating each against the selection rules
    /// (triangle rule, parity p_out = p1 p2) and computing e3nn's normalisation coefficients.
    /// </summary>
    /// <exception cref="ArgumentException">An instruction refers to a missing block, breaks a selection rule, or
    /// uses a mode other than "uvw" with weights.</exception>
    public TensorProduct(Irreps irrepsIn1, Irreps irrepsIn2, Irreps irrepsOut, IEnumerable<TensorProductInstruction> instructions)
    {
        IrrepsIn1 = irrepsIn1 ?? throw new ArgumentNullException(nameof(irrepsIn1));
        IrrepsIn2 = irrepsIn2 ?? throw new ArgumentNullException(nameof(irrepsIn2));
        IrrepsOut = irrepsOut ?? throw new ArgumentNullException(nameof(irrepsOut));
        ArgumentNullException.ThrowIfNull(instructions);
        var list = instructions.ToArray();
        for (int n = 0; n < list.Length; n++) Validate(n, list[n]);

        // e3nn: alpha = dim(out irrep) ("component"); alpha /= sum of mul1*mul2 over the instructions into the same
        // output block ("element"), skipped when that sum is 0; alpha *= path_weight; coefficient sqrt(alpha).
        _instructions = new TensorProductInstruction[list.Length];
        _weightOffsets = new int[list.Length + 1];
        for (int n = 0; n < list.Length; n++)
        {
            var ins = list[n];
            double alpha = IrrepsOut[ins.Out].Irrep.Dim;
            double fanIn = list.Where(o => o.Out == ins.Out).Sum(o => (double)IrrepsIn1[o.In1].Mul * IrrepsIn2[o.In2].Mul);
            if (fanIn > 0) alpha /= fanIn;
            alpha *= ins.PathWeight;
            _instructions[n] = ins with { NormalizationCoefficient = Math.Sqrt(alpha) };
            _weightOffsets[n + 1] = _weightOffsets[n] + PathWeightCount(ins);
        }
        _plan = new(() => TensorProductPlan.Build(this));
        _cpuFloat = new(() => new CpuTensorProductKernel<float>(_plan.Value) { RowCounter = CountRows });
        _cpuDouble = new(() => new CpuTensorProductKernel<double>(_plan.Value) { RowCounter = CountRows });
        _singleCopyFloat = new(() => SingleCopyFloatKernel.TryCreate(_plan.Value));
        _generatedFloat = new(() => GeneratedPathFloatKernel.TryCreate(_plan.Value));
    }

    /// <summary>
    /// e3nn's <c>FullyConnectedTensorProduct</c>: one weighted "uvw" instruction for every (block of input 1, block
    /// of input 2, block of output) allowed by the triangle rule and parity, enumerated in that nested order.
    /// </summary>
    public static TensorProduct FullyConnected(Irreps irrepsIn1, Irreps irrepsIn2, Irreps irrepsOut)
    {
        ArgumentNullException.ThrowIfNull(irrepsIn1);
        ArgumentNullException.ThrowIfNull(irrepsIn2);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        var list = new List<TensorProductInstruction>();
        for (int a = 0; a < irrepsIn1.Count; a++)
            for (int b = 0; b < irrepsIn2.Count; b++)
                for (int c = 0; c < irrepsOut.Count; c++)
                    if (IsAllowed(irrepsIn1[a].Irrep, irrepsIn2[b].Irrep, irrepsOut[c].Irrep))
                        list.Add(new TensorProductInstruction(a, b, c));
        return new TensorProduct(irrepsIn1, irrepsIn2, irrepsOut, list);
    }

    /// <summary>True when ir1 x ir2 contains ir3: |l1 - l2| &lt;= l3 &lt;= l1 + l2 and p3 = p1 p2.</summary>
    public static bool IsAllowed(Irrep ir1, Irrep ir2, Irrep ir3) =>
        Math.Abs(ir1.L - ir2.L) <= ir3.L && ir3.L <= ir1.L + ir2.L && ir3.Parity == ir1.Parity * ir2.Parity;

    /// <summary>Irreps of the first input (per row).</summary>
    public Irreps IrrepsIn1 { get; }

    /// <summary>Irreps of the second input (per row).</summary>
    public Irreps IrrepsIn2 { get; }

    /// <summary>Irreps of the output (per row).</summary>
    public Irreps IrrepsOut { get; }

    /// <summary>The instructions, with their normalisation coefficients filled in.</summary>
    public IReadOnlyList<TensorProductInstruction> Instructions => _instructions;

    /// <summary>Number of weights per row: the sum over instructions of mul1 * mul2 * mulOut.</summary>
    public int WeightNumel => _weightOffsets[^1];

    /// <summary>Offset of instruction <paramref name="instruction"/>'s weight block within one row of weights.</summary>
    public int WeightOffset(int instruction) => _weightOffsets[instruction];

    /// <summary>Worker threads used by the CPU kernels (default: every core).</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Forward pass for <c>rows</c> rows: x1 [rows, in1.Dim], x2 [rows, in2.Dim], weights [rows, WeightNumel] -> output [rows, out.Dim] (overwritten).</summary>
    public void Forward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, Span<float> output)
    {
        if (FastFloat is { } fast)
            fast.Forward(x1, x2, weights, output, CountRows(x1.Length, x2.Length, weights.Length, output.Length, "output"), MaxDegreeOfParallelism);
        else
            _cpuFloat.Value.Forward(x1, x2, weights, output, MaxDegreeOfParallelism);
    }

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public void Forward(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, ReadOnlySpan<double> weights, Span<double> output) =>
        _cpuDouble.Value.Forward(x1, x2, weights, output, MaxDegreeOfParallelism);

    /// <summary>
    /// Backward pass: given dL/d(output), writes dL/dx1, dL/dx2 and dL/dweights (all overwritten, same shapes as the
    /// inputs). Every row is independent, so the result does not depend on the thread count.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, ReadOnlySpan<float> gradOutput,
        Span<float> gradX1, Span<float> gradX2, Span<float> gradWeights)
    {
        if (FastFloat is { } fast)
        {
            int rows = CountRows(x1.Length, x2.Length, weights.Length, gradOutput.Length, "gradOutput");
            CpuTensorProductKernel<float>.CheckSame(gradX1.Length, x1.Length, "gradX1", "x1");
            CpuTensorProductKernel<float>.CheckSame(gradX2.Length, x2.Length, "gradX2", "x2");
            CpuTensorProductKernel<float>.CheckSame(gradWeights.Length, weights.Length, "gradWeights", "weights");
            fast.Backward(x1, x2, weights, gradOutput, gradX1, gradX2, gradWeights, rows, MaxDegreeOfParallelism);
        }
        else
            _cpuFloat.Value.Backward(x1, x2, weights, gradOutput, gradX1, gradX2, gradWeights, MaxDegreeOfParallelism);
    }

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float})"/>
    public void Backward(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, ReadOnlySpan<double> weights, ReadOnlySpan<double> gradOutput,
        Span<double> gradX1, Span<double> gradX2, Span<double> gradWeights) =>
        _cpuDouble.Value.Backward(x1, x2, weights, gradOutput, gradX1, gradX2, gradWeights, MaxDegreeOfParallelism);

    /// <summary>
    /// The specialised float kernel for this plan, or null for the generic one: the generated per-path code when every
    /// path has it, else the single-copy table kernel when the plan qualifies (each behind its switch).
    /// </summary>
    private IFloatTensorProductKernel? FastFloat =>
        CpuKernelSwitches.GeneratedPaths && _generatedFloat.Value is { } generated ? generated
        : CpuKernelSwitches.SingleCopyFloat && _singleCopyFloat.Value is { } singleCopy ? singleCopy
        : null;

    /// <summary>The lowered tables shared by the CPU and ILGPU kernels (built once, on first use).</summary>
    internal TensorProductPlan Plan => _plan.Value;

    /// <summary>The float CPU kernel (its per-row pieces are shared with <see cref="FusedEdgeTensorProduct"/>).</summary>
    internal CpuTensorProductKernel<float> CpuFloat => _cpuFloat.Value;

    /// <summary>
    /// Checks span lengths against the irreps and returns the row count. Errors name the parameter, what it holds
    /// and what was expected.
    /// </summary>
    internal int CountRows(int x1Length, int x2Length, int weightsLength, int outLength, string outName)
    {
        var shapes = new (string Name, int Length, int Dim, string What)[]
        {
            ("x1", x1Length, IrrepsIn1.Dim, $"in1 dim {IrrepsIn1.Dim} ({IrrepsIn1})"),
            ("x2", x2Length, IrrepsIn2.Dim, $"in2 dim {IrrepsIn2.Dim} ({IrrepsIn2})"),
            ("weights", weightsLength, WeightNumel, $"WeightNumel {WeightNumel}"),
            (outName, outLength, IrrepsOut.Dim, $"out dim {IrrepsOut.Dim} ({IrrepsOut})"),
        };
        int rows = -1;
        string? from = null;
        foreach (var s in shapes)
        {
            if (s.Dim == 0) continue;
            if (s.Length % s.Dim != 0)
                throw new ArgumentException($"{s.Name} has {s.Length} values, not a multiple of the {s.What}: pass a row-major [rows, {s.Dim}] array", s.Name);
            if (rows < 0) { rows = s.Length / s.Dim; from = s.Name; }
            else if (s.Length != rows * s.Dim)
                throw new ArgumentException($"{s.Name} has {s.Length / s.Dim} rows but {from} has {rows}: every array needs the same number of rows", s.Name);
        }
        foreach (var s in shapes)
            if (s.Dim == 0 && s.Length != 0)
                throw new ArgumentException($"{s.Name} has {s.Length} values but the {s.What} is 0: pass an empty array", s.Name);
        return Math.Max(rows, 0);
    }

    private int PathWeightCount(TensorProductInstruction ins) => IrrepsIn1[ins.In1].Mul * IrrepsIn2[ins.In2].Mul * IrrepsOut[ins.Out].Mul;

    private void Validate(int n, TensorProductInstruction ins)
    {
        if (ins is null) throw new ArgumentException($"instruction {n} is null", "instructions");
        if (ins.In1 < 0 || ins.In1 >= IrrepsIn1.Count)
            throw new ArgumentException($"instruction {n}: In1 = {ins.In1} is not a block of irrepsIn1 '{IrrepsIn1}' (0..{IrrepsIn1.Count - 1})", "instructions");
        if (ins.In2 < 0 || ins.In2 >= IrrepsIn2.Count)
            throw new ArgumentException($"instruction {n}: In2 = {ins.In2} is not a block of irrepsIn2 '{IrrepsIn2}' (0..{IrrepsIn2.Count - 1})", "instructions");
        if (ins.Out < 0 || ins.Out >= IrrepsOut.Count)
            throw new ArgumentException($"instruction {n}: Out = {ins.Out} is not a block of irrepsOut '{IrrepsOut}' (0..{IrrepsOut.Count - 1})", "instructions");
        if (ins.Mode != "uvw")
            throw new ArgumentException($"instruction {n}: mode '{ins.Mode}' is not supported: use \"uvw\" (fully connected)", "instructions");
        if (!ins.HasWeight)
            throw new ArgumentException($"instruction {n}: \"uvw\" paths need weights: set HasWeight = true", "instructions");
        if (!(ins.PathWeight >= 0) || double.IsInfinity(ins.PathWeight))
            throw new ArgumentException($"instruction {n}: PathWeight {ins.PathWeight} must be a finite number >= 0", "instructions");
        Irrep a = IrrepsIn1[ins.In1].Irrep, b = IrrepsIn2[ins.In2].Irrep, c = IrrepsOut[ins.Out].Irrep;
        if (c.L < Math.Abs(a.L - b.L) || c.L > a.L + b.L)
            throw new ArgumentException($"instruction {n} ({a} x {b} -> {c}) violates the triangle rule: l_out must be in {Math.Abs(a.L - b.L)}..{a.L + b.L}", "instructions");
        if (c.Parity != a.Parity * b.Parity)
            throw new ArgumentException($"instruction {n} ({a} x {b} -> {c}) violates parity: {a} x {b} gives parity {(a.Parity * b.Parity == 1 ? "e" : "o")}", "instructions");
    }
}
