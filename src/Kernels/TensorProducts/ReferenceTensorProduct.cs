namespace EquiGrid.Kernels;

/// <summary>
/// A deliberately plain evaluation of a <see cref="TensorProduct"/>: dense loops over the full Wigner 3j tensors, in
/// double, one row after another, straight from the defining formula. It shares no code with the fast kernels
/// except the instruction list and the 3j symbols, so tests can compare the two and benchmarks can report a ratio.
/// </summary>
public sealed class ReferenceTensorProduct
{
    private readonly TensorProduct _tp;
    private readonly double[][] _w3j;

    /// <summary>Wraps the definition of <paramref name="tensorProduct"/>.</summary>
    public ReferenceTensorProduct(TensorProduct tensorProduct)
    {
        _tp = tensorProduct ?? throw new ArgumentNullException(nameof(tensorProduct));
        _w3j = _tp.Instructions.Select(ins => Wigner3j.Get(_tp.IrrepsIn1[ins.In1].Irrep.L, _tp.IrrepsIn2[ins.In2].Irrep.L, _tp.IrrepsOut[ins.Out].Irrep.L)).ToArray();
    }

    /// <summary>Forward pass (see <see cref="TensorProduct"/> for the formula and layouts).</summary>
    public void Forward(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, ReadOnlySpan<double> weights, Span<double> output)
    {
        int rows = _tp.CountRows(x1.Length, x2.Length, weights.Length, output.Length, nameof(output));
        output.Clear();
        for (int n = 0; n < rows; n++)
            for (int p = 0; p < _w3j.Length; p++)
            {
                var g = Geometry(p);
                var c = _w3j[p];
                for (int u = 0; u < g.Mul1; u++)
                    for (int v = 0; v < g.Mul2; v++)
                        for (int w = 0; w < g.MulOut; w++)
                        {
                            double weight = weights[n * _tp.WeightNumel + g.WeightOffset + (u * g.Mul2 + v) * g.MulOut + w];
                            for (int i = 0; i < g.D1; i++)
                                for (int j = 0; j < g.D2; j++)
                                    for (int k = 0; k < g.D3; k++)
                                        output[n * _tp.IrrepsOut.Dim + g.OutStart + w * g.D3 + k] += g.Coefficient * weight
                                            * x1[n * _tp.IrrepsIn1.Dim + g.In1Start + u * g.D1 + i]
                                            * x2[n * _tp.IrrepsIn2.Dim + g.In2Start + v * g.D2 + j]
                                            * c[(i * g.D2 + j) * g.D3 + k];
                        }
            }
    }

    /// <summary>Backward pass: the exact derivatives of <see cref="Forward"/> (all gradients overwritten).</summary>
    public void Backward(ReadOnlySpan<double> x1, ReadOnlySpan<double> x2, ReadOnlySpan<double> weights, ReadOnlySpan<double> gradOutput,
        Span<double> gradX1, Span<double> gradX2, Span<double> gradWeights)
    {
        int rows = _tp.CountRows(x1.Length, x2.Length, weights.Length, gradOutput.Length, nameof(gradOutput));
        if (gradX1.Length != x1.Length) throw new ArgumentException("gradX1 must have x1's length", nameof(gradX1));
        if (gradX2.Length != x2.Length) throw new ArgumentException("gradX2 must have x2's length", nameof(gradX2));
        if (gradWeights.Length != weights.Length) throw new ArgumentException("gradWeights must have weights' length", nameof(gradWeights));
        gradX1.Clear(); gradX2.Clear(); gradWeights.Clear();
        for (int n = 0; n < rows; n++)
            for (int p = 0; p < _w3j.Length; p++)
            {
                var g = Geometry(p);
                var c = _w3j[p];
                for (int u = 0; u < g.Mul1; u++)
                    for (int v = 0; v < g.Mul2; v++)
                        for (int w = 0; w < g.MulOut; w++)
                        {
                            int wi = n * _tp.WeightNumel + g.WeightOffset + (u * g.Mul2 + v) * g.MulOut + w;
                            for (int i = 0; i < g.D1; i++)
                                for (int j = 0; j < g.D2; j++)
                                    for (int k = 0; k < g.D3; k++)
                                    {
                                        int a = n * _tp.IrrepsIn1.Dim + g.In1Start + u * g.D1 + i;
                                        int b = n * _tp.IrrepsIn2.Dim + g.In2Start + v * g.D2 + j;
                                        double go = gradOutput[n * _tp.IrrepsOut.Dim + g.OutStart + w * g.D3 + k] * g.Coefficient * c[(i * g.D2 + j) * g.D3 + k];
                                        gradWeights[wi] += go * x1[a] * x2[b];
                                        gradX1[a] += go * weights[wi] * x2[b];
                                        gradX2[b] += go * weights[wi] * x1[a];
                                    }
                        }
            }
    }

    private (int In1Start, int Mul1, int D1, int In2Start, int Mul2, int D2, int OutStart, int MulOut, int D3, int WeightOffset, double Coefficient) Geometry(int p)
    {
        var ins = _tp.Instructions[p];
        var a = _tp.IrrepsIn1[ins.In1];
        var b = _tp.IrrepsIn2[ins.In2];
        var c = _tp.IrrepsOut[ins.Out];
        return (_tp.IrrepsIn1.Slice(ins.In1).Start, a.Mul, a.Irrep.Dim, _tp.IrrepsIn2.Slice(ins.In2).Start, b.Mul, b.Irrep.Dim,
            _tp.IrrepsOut.Slice(ins.Out).Start, c.Mul, c.Irrep.Dim, _tp.WeightOffset(p), ins.NormalizationCoefficient);
    }
}
