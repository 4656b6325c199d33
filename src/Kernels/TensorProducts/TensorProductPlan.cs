namespace EquiGrid.Kernels;

/// <summary>One instruction compiled for execution: block geometry, weight offset, and the non-zero 3j entries.</summary>
/// <remarks>
/// <see cref="Value"/> holds normalisation coefficient x 3j value, so kernels apply the normalisation for free.
/// Entries are sorted by (k, i, j): the output component outermost. The real 3j tensor is sparse (for l1 = l2 = l3 = 6
/// about 12% of entries are non-zero), and only the non-zeros are ever touched.
/// </remarks>
internal sealed record CompiledPath(
    int In1Start, int Mul1, int D1,
    int In2Start, int Mul2, int D2,
    int OutStart, int MulOut, int D3,
    int WeightOffset, double Coefficient,
    int[] I, int[] J, int[] K, double[] Value)
{
    /// <summary>mul1 * mul2: the length of the contracted (u, v) axis.</summary>
    public int M => Mul1 * Mul2;

    /// <summary>Number of non-zero coupling entries.</summary>
    public int Nnz => Value.Length;
}

/// <summary>A tensor product lowered to flat tables: the shared input of the CPU and ILGPU kernels.</summary>
internal sealed class TensorProductPlan
{
    private TensorProductPlan(TensorProduct tp, CompiledPath[] paths)
    {
        Paths = paths;
        In1Dim = tp.IrrepsIn1.Dim;
        In2Dim = tp.IrrepsIn2.Dim;
        OutDim = tp.IrrepsOut.Dim;
        WeightNumel = tp.WeightNumel;
        In1Blocks = Blocks(tp.IrrepsIn1);
        In2Blocks = Blocks(tp.IrrepsIn2);
        OutBlocks = Blocks(tp.IrrepsOut);
    }

    public CompiledPath[] Paths { get; }
    public int In1Dim { get; }
    public int In2Dim { get; }
    public int OutDim { get; }
    public int WeightNumel { get; }

    /// <summary>(start, mul, dim) of every block, for the transposes between [mul][d] and [d][mul] layouts.</summary>
    public (int Start, int Mul, int D)[] In1Blocks { get; }
    public (int Start, int Mul, int D)[] In2Blocks { get; }
    public (int Start, int Mul, int D)[] OutBlocks { get; }

    private static (int, int, int)[] Blocks(Irreps irreps) =>
        Enumerable.Range(0, irreps.Count).Select(b => (irreps.Slice(b).Start, irreps[b].Mul, irreps[b].Irrep.Dim)).ToArray();

    /// <summary>Threshold below which a 3j entry counts as structurally zero (true zeros come out as |x| &lt; 1e-16).</summary>
    private const double ZeroTolerance = 1e-14;

    public static TensorProductPlan Build(TensorProduct tp)
    {
        var paths = new CompiledPath[tp.Instructions.Count];
        for (int p = 0; p < paths.Length; p++)
        {
            var ins = tp.Instructions[p];
            var a = tp.IrrepsIn1[ins.In1];
            var b = tp.IrrepsIn2[ins.In2];
            var c = tp.IrrepsOut[ins.Out];
            var w3j = Wigner3j.GetShared(a.Irrep.L, b.Irrep.L, c.Irrep.L);
            int d1 = a.Irrep.Dim, d2 = b.Irrep.Dim, d3 = c.Irrep.Dim;
            var ii = new List<int>(); var jj = new List<int>(); var kk = new List<int>(); var vv = new List<double>();
            for (int k = 0; k < d3; k++)
                for (int i = 0; i < d1; i++)
                    for (int j = 0; j < d2; j++)
                    {
                        double v = w3j[(i * d2 + j) * d3 + k];
                        if (Math.Abs(v) <= ZeroTolerance) continue;
                        ii.Add(i); jj.Add(j); kk.Add(k); vv.Add(v * ins.NormalizationCoefficient);
                    }
            paths[p] = new CompiledPath(
                tp.IrrepsIn1.Slice(ins.In1).Start, a.Mul, d1,
                tp.IrrepsIn2.Slice(ins.In2).Start, b.Mul, d2,
                tp.IrrepsOut.Slice(ins.Out).Start, c.Mul, d3,
                tp.WeightOffset(p), ins.NormalizationCoefficient,
                ii.ToArray(), jj.ToArray(), kk.ToArray(), vv.ToArray());
        }
        return new TensorProductPlan(tp, paths);
    }
}
