using EquiGrid.Kernels;
using static EquiGrid.Kernels.Tests.TensorProductTestData;

namespace EquiGrid.Kernels.Tests;

/// <summary>The generated per-path float kernel (<see cref="TpPathKernels"/>) against the dense reference and the table kernel.</summary>
[Collection(KernelSwitchesCollection.Name)]
public class GeneratedPathKernelTests
{
    private static bool CpuQualifies => System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported;

    public static IEnumerable<object[]> Couplings()
    {
        for (int l1 = 0; l1 <= TpPathKernels.MaxL; l1++)
            for (int l2 = 0; l2 <= TpPathKernels.MaxL; l2++)
                for (int l3 = Math.Abs(l1 - l2); l3 <= Math.Min(l1 + l2, TpPathKernels.MaxL); l3++)
                    yield return new object[] { l1, l2, l3 };
    }

    [Theory]
    [MemberData(nameof(Couplings))]
    public void EveryGeneratedCouplingMatchesTheReference(int l1, int l2, int l3)
    {
        // Even parities make every triangle triple an allowed path; 5 input and 16 output channels cover an odd u
        // count and two 8-channel slices.
        var tp = TensorProduct.FullyConnected(Irreps.Parse($"5x{l1}e"), Irreps.Parse($"{l2}e"), Irreps.Parse($"16x{l3}e"));
        Assert.Single(tp.Instructions);
        Assert.Equal(CpuQualifies, GeneratedPathFloatKernel.TryCreate(tp.Plan) is not null);
        AssertMatchesReference(tp, rows: 70, seed: 100 * l1 + 10 * l2 + l3);
    }

    [Theory]
    [InlineData("8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e")]
    [InlineData("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e")]
    // Two blocks of the second input with the same order, and outputs reached by both parities.
    [InlineData("8x1o+3x2e", "0e+1o+1e+2e", "8x0e+8x1o+8x1e+16x2e+8x2o")]
    public void WholePlansMatchTheReference(string in1, string in2, string output)
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse(in1), Irreps.Parse(in2), Irreps.Parse(output));
        Assert.Equal(CpuQualifies, GeneratedPathFloatKernel.TryCreate(tp.Plan) is not null);
        AssertMatchesReference(tp, rows: 70, seed: 7);
    }

    [Theory]
    [InlineData("8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e", true)]
    [InlineData("8x0e+8x3o", "0e+1o+2e", "8x0e+8x3o", false)] // order 3: beyond the generated couplings
    [InlineData("64x0e", "0e+1o+2e", "12x0e+12x1o+12x2e", false)] // 12 output channels: not a multiple of 8
    [InlineData("8x0e+8x1o", "2x0e+1o", "8x0e+8x1o", false)] // two copies of the second input's 0e
    public void GeneratedKernelServesExactlyTheQualifyingPlans(string in1, string in2, string output, bool qualifies)
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse(in1), Irreps.Parse(in2), Irreps.Parse(output));
        Assert.Equal(qualifies && CpuQualifies, GeneratedPathFloatKernel.TryCreate(tp.Plan) is not null);
    }

    [Fact]
    public void GeneratedAndTableKernelsAgreeToFloatRounding()
    {
        // Not bit for bit: the generated code scales the second input by the normalisation coefficient, the table
        // kernel folds it into the 3j values.
        var h = Irreps.Parse("8x0e+8x1o+8x2e");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o+2e"), h);
        var generated = GeneratedPathFloatKernel.TryCreate(tp.Plan);
        var table = SingleCopyFloatKernel.TryCreate(tp.Plan);
        if (generated is null || table is null) { Assert.False(CpuQualifies); return; }
        var rng = new Random(3);
        int rows = 200;
        var x1 = ToFloat(Normal(rng, rows * h.Dim)); var x2 = ToFloat(Normal(rng, rows * 9));
        var w = ToFloat(Normal(rng, rows * tp.WeightNumel)); var g = ToFloat(Normal(rng, rows * h.Dim));
        (float[] O, float[] GX1, float[] GX2, float[] GW) Run(IFloatTensorProductKernel k)
        {
            var o = new float[rows * h.Dim]; var gx1 = new float[x1.Length]; var gx2 = new float[x2.Length]; var gw = new float[w.Length];
            k.Forward(x1, x2, w, o, rows, 2);
            k.Backward(x1, x2, w, g, gx1, gx2, gw, rows, 2);
            return (o, gx1, gx2, gw);
        }
        var a = Run(generated);
        var b = Run(table);
        foreach (var (x, y, name) in new[] { (a.O, b.O, "output"), (a.GX1, b.GX1, "gradX1"), (a.GX2, b.GX2, "gradX2"), (a.GW, b.GW, "gradWeights") })
        {
            double scale = x.Max(v => Math.Abs(v));
            double diff = x.Zip(y, (p, q) => Math.Abs(p - q)).Max();
            Assert.True(diff <= 1e-5 * scale, $"{name}: generated and table kernels differ by {diff} (scale {scale})");
        }
    }

    [Fact]
    public void RepeatedCallsAndThreadCountsGiveIdenticalBits()
    {
        var h = Irreps.Parse("32x0e+32x1o+32x2e");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o+2e"), h);
        var rng = new Random(9);
        int rows = 300;
        var x1 = ToFloat(Normal(rng, rows * h.Dim)); var x2 = ToFloat(Normal(rng, rows * 9));
        var w = ToFloat(Normal(rng, rows * tp.WeightNumel)); var g = ToFloat(Normal(rng, rows * h.Dim));
        float[][] Run(int threads)
        {
            tp.MaxDegreeOfParallelism = threads;
            var o = new float[rows * h.Dim]; var gx1 = new float[x1.Length]; var gx2 = new float[x2.Length]; var gw = new float[w.Length];
            tp.Forward(x1, x2, w, o);
            tp.Backward(x1, x2, w, g, gx1, gx2, gw);
            return new[] { o, gx1, gx2, gw };
        }
        var one = Run(1);
        var many = Run(Math.Max(2, Environment.ProcessorCount));
        var again = Run(1);
        for (int n = 0; n < one.Length; n++)
        {
            Assert.Equal(one[n], many[n]);
            Assert.Equal(one[n], again[n]);
        }
    }

    // Forward and all three gradients of the float kernel TensorProduct picks, against the double reference.
    private static void AssertMatchesReference(TensorProduct tp, int rows, int seed)
    {
        var reference = new ReferenceTensorProduct(tp);
        var rng = new Random(seed);
        var x1 = Normal(rng, rows * tp.IrrepsIn1.Dim); var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim);
        var w = Normal(rng, rows * tp.WeightNumel); var g = Normal(rng, rows * tp.IrrepsOut.Dim);
        var expected = new double[rows * tp.IrrepsOut.Dim];
        reference.Forward(x1, x2, w, expected);
        var rgx1 = new double[x1.Length]; var rgx2 = new double[x2.Length]; var rgw = new double[w.Length];
        reference.Backward(x1, x2, w, g, rgx1, rgx2, rgw);

        var o = new float[expected.Length];
        tp.Forward(ToFloat(x1), ToFloat(x2), ToFloat(w), o);
        var gx1 = new float[x1.Length]; var gx2 = new float[x2.Length]; var gw = new float[w.Length];
        tp.Backward(ToFloat(x1), ToFloat(x2), ToFloat(w), ToFloat(g), gx1, gx2, gw);
        Near(expected, o, "forward");
        Near(rgx1, gx1, "gradX1");
        Near(rgx2, gx2, "gradX2");
        Near(rgw, gw, "gradWeights");
    }

    private static void Near(double[] expected, float[] actual, string what)
    {
        double scale = Math.Max(1, expected.Max(Math.Abs));
        Assert.True(expected.Max(Math.Abs) > 0.1, $"{what}: the reference is all but zero, the comparison would prove nothing");
        double diff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(diff < 1e-5 * scale * 10, $"{what}: max |float - reference| = {diff} (scale {scale})");
    }
}
