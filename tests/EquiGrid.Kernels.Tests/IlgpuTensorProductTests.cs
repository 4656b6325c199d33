using EquiGrid.Kernels;
using static EquiGrid.Kernels.Tests.TensorProductTestData;

namespace EquiGrid.Kernels.Tests;

public class IlgpuTensorProductTests
{
    public static IEnumerable<object[]> Shapes() => new[]
    {
        new object[] { "8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e" },
        new object[] { "3x0e+2x3o+2x4e", "0e+3o+4e", "3x0e+2x3o+2x4e" },
        new object[] { "5x0e+3x1o", "2x0e+3x1o", "4x0e+2x1o+3x1e+2x2e" },
        new object[] { "0x0e+2x1o", "1x0e+0x2e", "0x1o+2x1o+1x2e" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CpuAcceleratorMatchesTheCpuKernel(string in1, string in2, string output)
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse(in1), Irreps.Parse(in2), Irreps.Parse(output));
        using var accelerator = KernelAccelerator.CreateCpu();
        using var gpu = new IlgpuTensorProduct(tp, accelerator);
        Assert.StartsWith("CPU", gpu.AcceleratorName);
        var rng = new Random(17);
        int rows = 9;
        var x1 = ToFloat(Normal(rng, rows * tp.IrrepsIn1.Dim)); var x2 = ToFloat(Normal(rng, rows * tp.IrrepsIn2.Dim));
        var w = ToFloat(Normal(rng, rows * tp.WeightNumel)); var g = ToFloat(Normal(rng, rows * tp.IrrepsOut.Dim));

        var expected = new float[rows * tp.IrrepsOut.Dim];
        tp.Forward(x1, x2, w, expected);
        var actual = new float[expected.Length];
        Array.Fill(actual, float.NaN);
        gpu.Forward(x1, x2, w, actual);
        AssertClose(expected, actual, "forward");

        var e1 = new float[x1.Length]; var e2 = new float[x2.Length]; var ew = new float[w.Length];
        tp.Backward(x1, x2, w, g, e1, e2, ew);
        var a1 = new float[x1.Length]; var a2 = new float[x2.Length]; var aw = new float[w.Length];
        gpu.Backward(x1, x2, w, g, a1, a2, aw);
        AssertClose(e1, a1, "gradX1");
        AssertClose(e2, a2, "gradX2");
        AssertClose(ew, aw, "gradWeights");

        // A second call with fewer rows reuses the device buffers without reading stale rows.
        var half = new float[(rows / 2) * tp.IrrepsOut.Dim];
        gpu.Forward(x1.AsSpan(0, (rows / 2) * tp.IrrepsIn1.Dim), x2.AsSpan(0, (rows / 2) * tp.IrrepsIn2.Dim), w.AsSpan(0, (rows / 2) * tp.WeightNumel), half);
        AssertClose(expected.AsSpan(0, half.Length).ToArray(), half, "forward (reused buffers)");
    }

    [Fact]
    public void BadInputNamesTheParameter()
    {
        var h = Irreps.Parse("2x0e+2x1o");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o"), h);
        using var accelerator = KernelAccelerator.CreateCpu();
        using var gpu = new IlgpuTensorProduct(tp, accelerator);
        var x1 = new float[h.Dim]; var x2 = new float[4]; var w = new float[tp.WeightNumel]; var o = new float[h.Dim];
        Assert.Equal("x2", Assert.Throws<ArgumentException>(() => gpu.Forward(x1, new float[3], w, o)).ParamName);
        Assert.Equal("gradWeights", Assert.Throws<ArgumentException>(() => gpu.Backward(x1, x2, w, o, new float[x1.Length], new float[x2.Length], new float[1])).ParamName);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (var v in expected) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"{what}[{i}]: CPU kernel {expected[i]} vs ILGPU {actual[i]}");
    }
}
