using EquiGrid.Kernels;
using static EquiGrid.Kernels.Tests.TensorProductTestData;

namespace EquiGrid.Kernels.Tests;

/// <summary>
/// The fused edge kernel (weights generated in tiles, gather and sum in the kernel) against the same mathematics
/// done step by step in double precision: materialised per-edge weights, the tensor product per edge, and explicit
/// gather / sum loops.
/// </summary>
[Collection(KernelSwitchesCollection.Name)]
public class FusedEdgeTensorProductTests
{
    private sealed record Graph(int Nodes, int[] Source, int[] Target);

    // Random graph; node `nodes - 1` gets no edges at all (its output and gradient must be exactly zero).
    private static Graph RandomGraph(Random rng, int nodes, int edges)
    {
        var src = new int[edges];
        var dst = new int[edges];
        for (int e = 0; e < edges; e++)
        {
            src[e] = rng.Next(nodes - 1);
            dst[e] = rng.Next(nodes - 1);
        }
        return new Graph(nodes, src, dst);
    }

    public static IEnumerable<object[]> Cases() => new[]
    {
        // hidden block of L = [0,1,2] (mul 4: weight blocks not a multiple of the vector width), one tile
        new object[] { "4x0e+4x1o+4x2e", "0e+1o+2e", "4x0e+4x1o+4x2e", 5, 9, 30 },
        // L = [0,3,4,5,6] with mul 2, several tiles
        new object[] { "2x0e+2x3o+2x4e+2x5o+2x6e", "0e+3o+4e+5o+6e", "2x0e+2x3o+2x4e+2x5o+2x6e", 3, 11, 75 },
        // first block (scalars in) with weight blocks of 64 and 256 (the wide AVX-512 paths), depth 8
        new object[] { "16x0e", "0e+1o+2e", "16x0e+16x1o+16x2e", 8, 12, 40 },
        // mul 8 hidden block: 64 weights per path; 600 edges = two chunks
        new object[] { "8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e", 6, 40, 600 },
        // the study's [0,1,2] h = 32 block (generated per-path code, four 8-channel slices), two tiles
        new object[] { "32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e", 4, 10, 40 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TableKernelStepsMatchTheUnfusedComputationWithGeneratedPathsSwitchedOff(string in1, string in2, string output, int depth, int nodes, int edgeCount)
    {
        // Plans with generated per-path code run it inside the fused kernel; keep the table kernel's steps covered.
        CpuKernelSwitches.GeneratedPaths = false;
        try
        {
            ForwardAndEveryGradientMatchTheUnfusedComputation(in1, in2, output, depth, nodes, edgeCount);
        }
        finally
        {
            CpuKernelSwitches.GeneratedPaths = true;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndEveryGradientMatchTheUnfusedComputation(string in1, string in2, string output, int depth, int nodes, int edgeCount)
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse(in1), Irreps.Parse(in2), Irreps.Parse(output));
        var rng = new Random(edgeCount * 31 + depth);
        var g = RandomGraph(rng, nodes, edgeCount);
        int d1 = tp.IrrepsIn1.Dim, d2 = tp.IrrepsIn2.Dim, d3 = tp.IrrepsOut.Dim, numel = tp.WeightNumel;
        var x = Normal(rng, nodes * d1);
        var y = Normal(rng, edgeCount * d2);
        var h = Normal(rng, edgeCount * depth);
        var wm = Normal(rng, depth * numel);
        var gOut = Normal(rng, nodes * d3);
        double scale = 1 / Math.Sqrt(depth);

        // Unfused reference in double: weights[e] = scale * h[e] W; TP on x[src]; sum into dst; backward likewise.
        var weights = new double[edgeCount * numel];
        for (int e = 0; e < edgeCount; e++)
            for (int n = 0; n < numel; n++)
            {
                double s = 0;
                for (int d = 0; d < depth; d++) s += h[e * depth + d] * wm[d * numel + n];
                weights[e * numel + n] = scale * s;
            }
        var xs = new double[edgeCount * d1];
        for (int e = 0; e < edgeCount; e++) Array.Copy(x, g.Source[e] * d1, xs, e * d1, d1);
        var messages = new double[edgeCount * d3];
        tp.Forward(xs, y, weights, messages);
        var expected = new double[nodes * d3];
        for (int e = 0; e < edgeCount; e++)
            for (int k = 0; k < d3; k++) expected[g.Target[e] * d3 + k] += messages[e * d3 + k];
        var gMessages = new double[edgeCount * d3];
        for (int e = 0; e < edgeCount; e++) Array.Copy(gOut, g.Target[e] * d3, gMessages, e * d3, d3);
        var gxs = new double[xs.Length]; var gy = new double[y.Length]; var gWeights = new double[weights.Length];
        tp.Backward(xs, y, weights, gMessages, gxs, gy, gWeights);
        var gx = new double[x.Length];
        for (int e = 0; e < edgeCount; e++)
            for (int i = 0; i < d1; i++) gx[g.Source[e] * d1 + i] += gxs[e * d1 + i];
        var gh = new double[h.Length];
        var gwm = new double[wm.Length];
        for (int e = 0; e < edgeCount; e++)
            for (int d = 0; d < depth; d++)
                for (int n = 0; n < numel; n++)
                {
                    gh[e * depth + d] += scale * gWeights[e * numel + n] * wm[d * numel + n];
                    gwm[d * numel + n] += scale * h[e * depth + d] * gWeights[e * numel + n];
                }

        var fused = new FusedEdgeTensorProduct(tp, depth);
        var index = new EdgeIndex(g.Source, g.Target, nodes);
        var (outF, gxF, gyF, ghF, gwmF) = RunFused(fused, index, x, y, h, wm, gOut, (float)scale);

        AssertClose(expected, outF, "output");
        AssertClose(gx, gxF, "dL/dx");
        AssertClose(gy, gyF, "dL/dsh");
        AssertClose(gh, ghF, "dL/dfeatures");
        AssertClose(gwm, gwmF, "dL/dweightMatrix");
        for (int k = 0; k < d3; k++) Assert.Equal(0f, outF[(nodes - 1) * d3 + k]);
        for (int i = 0; i < d1; i++) Assert.Equal(0f, gxF[(nodes - 1) * d1 + i]);
    }

    [Fact]
    public void ResultsAreBitIdenticalForAnyThreadCountAndRepeatedCalls()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("8x0e+8x1o+8x2e"), Irreps.Parse("0e+1o+2e"), Irreps.Parse("8x0e+8x1o+8x2e"));
        var rng = new Random(5);
        var g = RandomGraph(rng, 60, 900);
        var x = Normal(rng, 60 * tp.IrrepsIn1.Dim); var y = Normal(rng, 900 * tp.IrrepsIn2.Dim);
        var h = Normal(rng, 900 * 8); var wm = Normal(rng, 8 * tp.WeightNumel); var gOut = Normal(rng, 60 * tp.IrrepsOut.Dim);
        var index = new EdgeIndex(g.Source, g.Target, 60);
        var one = new FusedEdgeTensorProduct(tp, 8) { MaxDegreeOfParallelism = 1 };
        var many = new FusedEdgeTensorProduct(tp, 8) { MaxDegreeOfParallelism = 4 };
        var a = RunFused(one, index, x, y, h, wm, gOut, 0.35f);
        var b = RunFused(many, index, x, y, h, wm, gOut, 0.35f);
        var c = RunFused(many, index, x, y, h, wm, gOut, 0.35f);
        foreach (var other in new[] { b, c })
        {
            Assert.Equal(a.Out, other.Out);
            Assert.Equal(a.GX, other.GX);
            Assert.Equal(a.GY, other.GY);
            Assert.Equal(a.GH, other.GH);
            Assert.Equal(a.GW, other.GW);
        }
    }

    [Fact]
    public void WrongShapesAndIndicesAreRejectedNamingTheInput()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("2x0e+2x1o"), Irreps.Parse("0e+1o"), Irreps.Parse("2x0e+2x1o"));
        var fused = new FusedEdgeTensorProduct(tp, 3);
        var index = new EdgeIndex([0, 1], [1, 0], 2);
        var ok = (x: new float[2 * 8], y: new float[2 * 4], h: new float[2 * 3], w: new float[3 * tp.WeightNumel], o: new float[2 * 8]);
        var e1 = Assert.Throws<ArgumentException>(() => fused.Forward(ok.x, ok.y, new float[5], ok.w, 1, index, ok.o));
        Assert.Contains("features", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => fused.Forward(ok.x, ok.y, ok.h, ok.w, 1, index, new float[3]));
        Assert.Contains("output", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new EdgeIndex([0, 2], [1, 0], 2));
        Assert.Contains("edge 1", e3.Message);
        Assert.Throws<ArgumentException>(() => new EdgeIndex([0], [1, 0], 2));
    }

    private static (float[] Out, float[] GX, float[] GY, float[] GH, float[] GW) RunFused(FusedEdgeTensorProduct fused, EdgeIndex index,
        double[] x, double[] y, double[] h, double[] wm, double[] gOut, float scale)
    {
        var tp = fused.TensorProduct;
        var (xf, yf, hf, wf, gf) = (ToFloat(x), ToFloat(y), ToFloat(h), ToFloat(wm), ToFloat(gOut));
        var output = new float[index.NodeCount * tp.IrrepsOut.Dim];
        // Pre-filled with garbage: both passes must overwrite, not accumulate.
        Array.Fill(output, 7f);
        fused.Forward(xf, yf, hf, wf, scale, index, output);
        var gx = new float[xf.Length]; var gy = new float[yf.Length]; var gh = new float[hf.Length]; var gw = new float[wf.Length];
        Array.Fill(gx, 7f); Array.Fill(gw, 7f);
        fused.Backward(xf, yf, hf, wf, scale, index, gf, gx, gy, gh, gw);
        return (output, gx, gy, gh, gw);
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = expected.Max(Math.Abs) + 1e-12;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5 * max + 1e-6 * Math.Abs(expected[i]),
                $"{what}[{i}]: expected {expected[i]}, fused {actual[i]} (largest |value| {max})");
    }
}
