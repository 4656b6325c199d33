using EquiGrid.Kernels;
using static EquiGrid.Kernels.Tests.TensorProductTestData;

namespace EquiGrid.Kernels.Tests;

[Collection(KernelSwitchesCollection.Name)]
public class TensorProductTests
{
    // ------------------------------------------------------------------ path enumeration and normalisation

    [Fact]
    public void HiddenBlockOfTheStudyHas11PathsAnd11264Weights()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("32x0e+32x1o+32x2e"), Irreps.Parse("1x0e+1x1o+1x2e"), Irreps.Parse("32x0e+32x1o+32x2e"));
        Assert.Equal(11, tp.Instructions.Count);
        Assert.Equal(11264, tp.WeightNumel);
        // e3nn order: input-1 block outermost, then input-2 block, then output block.
        var described = tp.Instructions.Select(i => $"{i.In1}{i.In2}{i.Out}").ToArray();
        Assert.Equal(new[] { "000", "011", "022", "101", "110", "112", "121", "202", "211", "220", "222" }, described);
        // "component" x "element": alpha = (2 l_out + 1) / (sum of mul1*mul2 into that output block).
        foreach (var ins in tp.Instructions)
        {
            int fanIn = tp.Instructions.Count(o => o.Out == ins.Out) * 32;
            Assert.Equal(Math.Sqrt((2.0 * tp.IrrepsOut[ins.Out].Irrep.L + 1) / fanIn), ins.NormalizationCoefficient, 15);
        }
        Assert.Equal(Math.Sqrt(1.0 / 96), tp.Instructions[0].NormalizationCoefficient, 15);
        for (int p = 0; p < 11; p++) Assert.Equal(p * 1024, tp.WeightOffset(p));
    }

    [Fact]
    public void FirstBlockOfTheStudyHas3PathsAnd6144Weights()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("64x0e"), Irreps.Parse("0e+1o+2e"), Irreps.Parse("32x0e+32x1o+32x2e"));
        Assert.Equal(3, tp.Instructions.Count);
        Assert.Equal(6144, tp.WeightNumel);
        Assert.All(tp.Instructions, i => Assert.Equal(Math.Sqrt((2.0 * tp.IrrepsOut[i.Out].Irrep.L + 1) / 64), i.NormalizationCoefficient, 15));
    }

    [Fact]
    public void AnchorCaseHas704WeightsPerRow()
    {
        var h = Irreps.Parse("8x0e+8x1o+8x2e");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o+2e"), h);
        Assert.Equal(11, tp.Instructions.Count);
        Assert.Equal(704, tp.WeightNumel);
    }

    [Fact]
    public void PathsRespectParityAndTheTriangleRule()
    {
        var lset = LSet.Of(0, 3, 4, 5, 6);
        var tp = TensorProduct.FullyConnected(Irreps.Hidden(lset, 2), Irreps.SphericalHarmonics(lset), Irreps.Hidden(lset, 2));
        int expected = 0;
        foreach (var a in lset.Orders)
            foreach (var b in lset.Orders)
                foreach (var c in lset.Orders)
                    if (Math.Abs(a - b) <= c && c <= a + b && (a + b + c) % 2 == 0) expected++;
        Assert.Equal(expected, tp.Instructions.Count);
        Assert.Equal(expected * 4, tp.WeightNumel);
    }

    [Theory]
    [InlineData(0, 0, 1, "triangle")]
    [InlineData(1, 1, 1, "parity")]
    [InlineData(3, 0, 0, "In1")]
    [InlineData(0, 5, 0, "In2")]
    [InlineData(0, 0, 9, "Out")]
    public void InvalidInstructionsAreRejectedAtConstruction(int in1, int in2, int output, string mentioned)
    {
        var irreps = Irreps.Parse("2x0e+2x1o");
        var e = Assert.ThrowsAny<ArgumentException>(() => new TensorProduct(irreps, irreps, Irreps.Parse("2x0e+2x1o+1x1e"),
            new[] { new TensorProductInstruction(in1, in2, output) }));
        Assert.Contains(mentioned, e.Message);
        Assert.Equal("instructions", e.ParamName);
    }

    [Fact]
    public void UnsupportedModesAreRejected()
    {
        var irreps = Irreps.Parse("2x0e");
        Assert.Contains("uvu", Assert.Throws<ArgumentException>(() => new TensorProduct(irreps, irreps, irreps, new[] { new TensorProductInstruction(0, 0, 0, "uvu") })).Message);
        Assert.Contains("HasWeight", Assert.Throws<ArgumentException>(() => new TensorProduct(irreps, irreps, irreps, new[] { new TensorProductInstruction(0, 0, 0, HasWeight: false) })).Message);
    }

    [Fact]
    public void PathWeightScalesTheVariance()
    {
        var irreps = Irreps.Parse("2x0e");
        var tp = new TensorProduct(irreps, irreps, irreps, new[] { new TensorProductInstruction(0, 0, 0, PathWeight: 4.0) });
        Assert.Equal(Math.Sqrt(4.0 / 4.0), tp.Instructions[0].NormalizationCoefficient, 15);
    }

    // ------------------------------------------------------------------ fast kernel == reference

    public static IEnumerable<object[]> Shapes() => new[]
    {
        new object[] { "3x0e+2x1o+2x2e", "0e+1o+2e", "3x0e+2x1o+2x2e" },
        new object[] { "8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e" },
        new object[] { "17x0e+9x1o", "1x0e+11x1o", "5x0e+13x1o+3x1e+9x2e" },
        new object[] { "1x2e+1x3o", "20x1o+3x2e", "19x1e+2x2o+33x3e" },
        new object[] { "64x0e", "0e+1o+2e", "12x0e+12x1o+12x2e" },
        // Odd first-input multiplicities and two 8-channel output slices: the single-copy float kernel's edge cases.
        new object[] { "5x0e+3x1o+7x2e", "0e+1o+2e", "8x0e+16x1o+8x2e" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FastKernelMatchesTheReferenceInDoubleAndFloat(string in1, string in2, string output)
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse(in1), Irreps.Parse(in2), Irreps.Parse(output));
        var reference = new ReferenceTensorProduct(tp);
        var rng = new Random(11);
        int rows = 70; // above the threading threshold
        var x1 = Normal(rng, rows * tp.IrrepsIn1.Dim);
        var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim);
        var w = Normal(rng, rows * tp.WeightNumel);
        var g = Normal(rng, rows * tp.IrrepsOut.Dim);

        var expected = new double[rows * tp.IrrepsOut.Dim];
        reference.Forward(x1, x2, w, expected);
        var rgx1 = new double[x1.Length]; var rgx2 = new double[x2.Length]; var rgw = new double[w.Length];
        reference.Backward(x1, x2, w, g, rgx1, rgx2, rgw);
        Assert.True(MaxAbs(expected) > 0.1);

        var actual = new double[expected.Length];
        tp.Forward(x1, x2, w, actual);
        Assert.True(MaxAbsDiff(expected, actual) < 1e-12, $"forward double: {MaxAbsDiff(expected, actual)}");
        var gx1 = new double[x1.Length]; var gx2 = new double[x2.Length]; var gw = new double[w.Length];
        tp.Backward(x1, x2, w, g, gx1, gx2, gw);
        Assert.True(MaxAbsDiff(rgx1, gx1) < 1e-12, "gradX1 double");
        Assert.True(MaxAbsDiff(rgx2, gx2) < 1e-12, "gradX2 double");
        Assert.True(MaxAbsDiff(rgw, gw) < 1e-12, "gradWeights double");

        var outF = new float[expected.Length];
        tp.Forward(ToFloat(x1), ToFloat(x2), ToFloat(w), outF);
        double scale = MaxAbs(expected);
        Assert.True(MaxAbsDiff(expected, outF.Select(v => (double)v).ToArray()) < 1e-5 * scale * 10, "forward float");
        var fgx1 = new float[x1.Length]; var fgx2 = new float[x2.Length]; var fgw = new float[w.Length];
        tp.Backward(ToFloat(x1), ToFloat(x2), ToFloat(w), ToFloat(g), fgx1, fgx2, fgw);
        Assert.True(MaxAbsDiff(rgx1, fgx1.Select(v => (double)v).ToArray()) < 1e-4 * Math.Max(1, MaxAbs(rgx1)), "gradX1 float");
        Assert.True(MaxAbsDiff(rgx2, fgx2.Select(v => (double)v).ToArray()) < 1e-4 * Math.Max(1, MaxAbs(rgx2)), "gradX2 float");
        Assert.True(MaxAbsDiff(rgw, fgw.Select(v => (double)v).ToArray()) < 1e-4 * Math.Max(1, MaxAbs(rgw)), "gradWeights float");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GenericPathsMatchTheReferenceWithFastPathsSwitchedOff(string in1, string in2, string output)
    {
        // Both switches only choose between two correct implementations, so flipping them while other tests run
        // cannot make those fail; this test makes sure the generic code stays covered.
        CpuKernelSwitches.AvxWeightGradients = false;
        CpuKernelSwitches.CoupleRuns = false;
        CpuKernelSwitches.SingleCopyFloat = false;
        CpuKernelSwitches.GeneratedPaths = false;
        try
        {
            FastKernelMatchesTheReferenceInDoubleAndFloat(in1, in2, output);
        }
        finally
        {
            CpuKernelSwitches.AvxWeightGradients = true;
            CpuKernelSwitches.CoupleRuns = true;
            CpuKernelSwitches.SingleCopyFloat = true;
            CpuKernelSwitches.GeneratedPaths = true;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SingleCopyTableKernelMatchesTheReferenceWithGeneratedPathsSwitchedOff(string in1, string in2, string output)
    {
        // The generated kernel takes the plans the single-copy kernel was written for: keep the latter covered.
        CpuKernelSwitches.GeneratedPaths = false;
        try
        {
            FastKernelMatchesTheReferenceInDoubleAndFloat(in1, in2, output);
        }
        finally
        {
            CpuKernelSwitches.GeneratedPaths = true;
        }
    }

    [Theory]
    [InlineData("8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e", true)]
    [InlineData("5x0e+3x1o+7x2e", "0e+1o+2e", "8x0e+16x1o+8x2e", true)]
    [InlineData("64x0e", "0e+1o+2e", "12x0e+12x1o+12x2e", false)] // 12 output channels: not a multiple of 8
    [InlineData("17x0e+9x1o", "1x0e+11x1o", "5x0e+13x1o+3x1e+9x2e", false)] // 11 copies of the second input's 1o
    public void SingleCopyFloatKernelServesExactlyTheQualifyingPlans(string in1, string in2, string output, bool qualifies)
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse(in1), Irreps.Parse(in2), Irreps.Parse(output));
        bool cpu = System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported;
        Assert.Equal(qualifies && cpu, SingleCopyFloatKernel.TryCreate(tp.Plan) is not null);
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        var h = Irreps.Parse("8x0e+8x1o+8x2e");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o+2e"), h);
        var rng = new Random(5);
        int rows = 1000;
        var x1 = ToFloat(Normal(rng, rows * h.Dim)); var x2 = ToFloat(Normal(rng, rows * 9)); var w = ToFloat(Normal(rng, rows * 704));
        var g = ToFloat(Normal(rng, rows * h.Dim));
        float[] Run(int threads, out float[] gw)
        {
            tp.MaxDegreeOfParallelism = threads;
            var o = new float[rows * h.Dim];
            tp.Forward(x1, x2, w, o);
            gw = new float[w.Length];
            tp.Backward(x1, x2, w, g, new float[x1.Length], new float[x2.Length], gw);
            return o;
        }
        var one = Run(1, out var gw1);
        var many = Run(Math.Max(2, Environment.ProcessorCount), out var gwMany);
        Assert.Equal(one, many);
        Assert.Equal(gw1, gwMany);
    }

    // ------------------------------------------------------------------ gradients

    [Fact]
    public void BackwardMatchesCentralFiniteDifferences()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("2x0e+2x1o+1x2e"), Irreps.Parse("1x0e+1x1o+2x2e"), Irreps.Parse("2x0e+1x1o+2x2e+1x1e"));
        var rng = new Random(3);
        int rows = 2;
        var x1 = Normal(rng, rows * tp.IrrepsIn1.Dim);
        var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim);
        var w = Normal(rng, rows * tp.WeightNumel);
        var g = Normal(rng, rows * tp.IrrepsOut.Dim);
        var gx1 = new double[x1.Length]; var gx2 = new double[x2.Length]; var gw = new double[w.Length];
        tp.Backward(x1, x2, w, g, gx1, gx2, gw);

        double Loss()
        {
            var o = new double[g.Length];
            tp.Forward(x1, x2, w, o);
            double s = 0;
            for (int i = 0; i < o.Length; i++) s += o[i] * g[i];
            return s;
        }
        void Check(double[] x, double[] grad, string name)
        {
            const double h = 1e-6;
            for (int i = 0; i < x.Length; i++)
            {
                double keep = x[i];
                x[i] = keep + h; double up = Loss();
                x[i] = keep - h; double down = Loss();
                x[i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - grad[i]) < 1e-7 * Math.Max(1, Math.Abs(fd)), $"{name}[{i}]: analytic {grad[i]} vs finite difference {fd}");
            }
        }
        Check(x1, gx1, "x1");
        Check(x2, gx2, "x2");
        Check(w, gw, "weights");
        Assert.True(MaxAbs(gw) > 0.01);
    }

    // ------------------------------------------------------------------ equivariance and normalisation

    [Theory]
    [InlineData(new[] { 0, 3, 4, 5, 6 }, 2, false)]
    [InlineData(new[] { 0, 3, 4, 5, 6 }, 2, true)]
    [InlineData(new[] { 0, 1, 2, 10 }, 2, false)]
    [InlineData(new[] { 0, 1, 2, 10 }, 2, true)]
    public void IsEquivariantForNonContiguousLSets(int[] orders, int mul, bool invert)
    {
        var lset = LSet.Create(orders);
        var hidden = Irreps.Hidden(lset, mul);
        var sh = Irreps.SphericalHarmonics(lset);
        var tp = TensorProduct.FullyConnected(hidden, sh, hidden);
        var rng = new Random(orders.Sum() + (invert ? 100 : 0));
        int rows = 3;
        var x1 = Normal(rng, rows * hidden.Dim);
        var x2 = Normal(rng, rows * sh.Dim);
        var w = Normal(rng, rows * tp.WeightNumel);
        var rotation = RandomRotations.Next(rng);

        var outThenRotate = new double[rows * hidden.Dim];
        tp.Forward(x1, x2, w, outThenRotate);
        outThenRotate = Act(hidden, outThenRotate, rotation, invert);
        var rotateThenOut = new double[rows * hidden.Dim];
        tp.Forward(Act(hidden, x1, rotation, invert), Act(sh, x2, rotation, invert), w, rotateThenOut);

        double scale = MaxAbs(outThenRotate);
        Assert.True(scale > 0.1);
        Assert.True(MaxAbsDiff(outThenRotate, rotateThenOut) < 1e-10 * scale, $"equivariance error {MaxAbsDiff(outThenRotate, rotateThenOut) / scale:E2}");
    }

    [Fact]
    public void ParityForbiddenPathsWouldBreakEquivarianceUnderInversion()
    {
        // Guards the parity test above: an odd output fed by even x even is invariant under rotation but changes sign
        // wrongly under inversion, so the equivariance check does see parity.
        var x = Irreps.Parse("1x1o");
        var y = Irreps.Parse("1x1o");
        var tp = TensorProduct.FullyConnected(x, y, Irreps.Parse("1x1e"));
        var rng = new Random(9);
        var a = Normal(rng, 3); var b = Normal(rng, 3); var w = Normal(rng, 1);
        var o = new double[3];
        tp.Forward(a, b, w, o);
        var wrongIrreps = Irreps.Parse("1x1o");
        var rotation = RandomRotations.Next(rng);
        var expectedIfOdd = Act(wrongIrreps, o, rotation, invert: true);
        var actual = new double[3];
        tp.Forward(Act(x, a, rotation, true), Act(y, b, rotation, true), w, actual);
        Assert.True(MaxAbsDiff(expectedIfOdd, actual) > 0.1 * MaxAbs(o));
        Assert.True(MaxAbsDiff(Act(Irreps.Parse("1x1e"), o, rotation, true), actual) < 1e-12);
    }

    [Fact]
    public void OutputHasUnitVarianceForUnitVarianceInputs()
    {
        var h = Irreps.Parse("32x0e+32x1o+32x2e");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o+2e"), h);
        var rng = new Random(21616);
        int rows = 1500;
        var x1 = ToFloat(Normal(rng, rows * h.Dim)); var x2 = ToFloat(Normal(rng, rows * 9)); var w = ToFloat(Normal(rng, rows * tp.WeightNumel));
        var o = new float[rows * h.Dim];
        tp.Forward(x1, x2, w, o);
        for (int b = 0; b < h.Count; b++)
        {
            var (start, len) = h.Slice(b);
            double s2 = 0;
            for (int n = 0; n < rows; n++)
                for (int t = 0; t < len; t++) s2 += (double)o[n * h.Dim + start + t] * o[n * h.Dim + start + t];
            double variance = s2 / (rows * len);
            Assert.True(Math.Abs(variance - 1) < 0.08, $"block {h[b]}: second moment {variance:F3}, e3nn's normalisation promises 1");
        }
    }

    // ------------------------------------------------------------------ edge cases and bad input

    [Fact]
    public void ZeroMultiplicityBlocksContributeNothing()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("0x0e+3x1o"), Irreps.Parse("1x0e+0x1o+1x2e"), Irreps.Parse("2x0e+0x1o+2x2e+2x1o"));
        Assert.Contains(tp.Instructions, i => tp.IrrepsIn1[i.In1].Mul == 0);
        var reference = new ReferenceTensorProduct(tp);
        var rng = new Random(1);
        int rows = 4;
        var x1 = Normal(rng, rows * tp.IrrepsIn1.Dim); var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim); var w = Normal(rng, rows * tp.WeightNumel);
        var expected = new double[rows * tp.IrrepsOut.Dim];
        reference.Forward(x1, x2, w, expected);
        var actual = new double[expected.Length];
        tp.Forward(x1, x2, w, actual);
        Assert.True(MaxAbsDiff(expected, actual) < 1e-12);
        Assert.True(MaxAbs(actual) > 0);

        var empty = TensorProduct.FullyConnected(Irreps.Parse("0x0e"), Irreps.Parse("0e"), Irreps.Parse("4x0e"));
        Assert.Equal(0, empty.WeightNumel);
        var o = new double[8];
        Array.Fill(o, 7.0);
        empty.Forward(ReadOnlySpan<double>.Empty, new double[2], ReadOnlySpan<double>.Empty, o);
        Assert.All(o, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void BadSpanLengthsNameTheParameter()
    {
        var h = Irreps.Parse("2x0e+2x1o");
        var tp = TensorProduct.FullyConnected(h, Irreps.Parse("0e+1o"), h);
        int rows = 3;
        var x1 = new float[rows * h.Dim]; var x2 = new float[rows * 4]; var w = new float[rows * tp.WeightNumel]; var o = new float[rows * h.Dim];
        Assert.Equal("x1", Assert.Throws<ArgumentException>(() => tp.Forward(new float[x1.Length + 1], x2, w, o)).ParamName);
        Assert.Equal("x2", Assert.Throws<ArgumentException>(() => tp.Forward(x1, new float[x2.Length - 4], w, o)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => tp.Forward(x1, x2, new float[w.Length + 1], o)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => tp.Forward(x1, x2, w, new float[o.Length + h.Dim])).ParamName);
        Assert.Equal("gradX2", Assert.Throws<ArgumentException>(() => tp.Backward(x1, x2, w, o, new float[x1.Length], new float[1], new float[w.Length])).ParamName);
        Assert.Equal("gradOutput", Assert.Throws<ArgumentException>(() => tp.Backward(x1, x2, w, new float[2], new float[x1.Length], new float[x2.Length], new float[w.Length])).ParamName);
        var e = Assert.Throws<ArgumentException>(() => tp.Forward(x1, x2, w, new float[o.Length + h.Dim]));
        Assert.Contains("rows", e.Message);
    }
}
