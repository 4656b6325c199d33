namespace EquiGrid.Kernels.Tests;

/// <summary>The analytic vector-Jacobian product against central finite differences of the forward pass.</summary>
public class SphericalHarmonicsGradientTests
{
    public static IEnumerable<object[]> Cases() =>
        from l in new[] { 0, 1, 2, 3, 6, 10 }
        from normalize in new[] { true, false }
        select new object[] { l, normalize };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesCentralFiniteDifferences(int l, bool normalizeInput)
    {
        var rng = new Random(300 + l);
        var set = LSet.Of(l);
        const int count = 40;
        var xyz = ShTestData.RandomVectors(rng, count);
        var gradOut = Enumerable.Range(0, count * set.Dim).Select(_ => RandomRotations.Gauss(rng)).ToArray();
        var grad = new double[3 * count];
        SphericalHarmonics.Backward(set, xyz, gradOut, grad, ShNormalization.Norm, normalizeInput);
        const double h = 1e-6;
        var plus = new double[count * set.Dim];
        var minus = new double[count * set.Dim];
        for (int axis = 0; axis < 3; axis++)
        {
            var xp = (double[])xyz.Clone();
            var xm = (double[])xyz.Clone();
            for (int n = 0; n < count; n++)
            {
                xp[3 * n + axis] += h;
                xm[3 * n + axis] -= h;
            }
            SphericalHarmonics.Forward(set, xp, plus, ShNormalization.Norm, normalizeInput);
            SphericalHarmonics.Forward(set, xm, minus, ShNormalization.Norm, normalizeInput);
            for (int n = 0; n < count; n++)
            {
                double numeric = 0;
                for (int c = 0; c < set.Dim; c++) numeric += gradOut[n * set.Dim + c] * (plus[n * set.Dim + c] - minus[n * set.Dim + c]) / (2 * h);
                double r = Math.Sqrt(xyz[3 * n] * xyz[3 * n] + xyz[3 * n + 1] * xyz[3 * n + 1] + xyz[3 * n + 2] * xyz[3 * n + 2]);
                double scale = normalizeInput ? 1 / r : Math.Pow(r, Math.Max(0, l - 1));
                Assert.True(Math.Abs(numeric - grad[3 * n + axis]) < 1e-6 * (1 + l * l) * Math.Max(1, scale),
                    $"l={l} n={n} axis={axis}: analytic {grad[3 * n + axis]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void LSetGradientIsTheSumOfItsOrdersAndFloat32Agrees()
    {
        var rng = new Random(42);
        var set = LSet.Of(0, 3, 4, 5, 6);
        const int count = 100;
        var xyz = ShTestData.RandomVectors(rng, count);
        var gradOut = Enumerable.Range(0, count * set.Dim).Select(_ => RandomRotations.Gauss(rng)).ToArray();
        var total = new double[3 * count];
        SphericalHarmonics.Backward(set, xyz, gradOut, total, ShNormalization.Integral);
        var sum = new double[3 * count];
        int offset = 0;
        foreach (int l in set.Orders)
        {
            var one = LSet.Of(l);
            var g = new double[count * one.Dim];
            for (int n = 0; n < count; n++)
                for (int k = 0; k < one.Dim; k++) g[n * one.Dim + k] = gradOut[n * set.Dim + offset + k];
            var part = new double[3 * count];
            SphericalHarmonics.Backward(one, xyz, g, part, ShNormalization.Integral);
            for (int i = 0; i < sum.Length; i++) sum[i] += part[i];
            offset += one.Dim;
        }
        for (int i = 0; i < sum.Length; i++) Assert.True(Math.Abs(sum[i] - total[i]) < 1e-12 * (1 + Math.Abs(sum[i])));

        var single = new float[3 * count];
        SphericalHarmonics.Backward(set, xyz.Select(v => (float)v).ToArray(), gradOut.Select(v => (float)v).ToArray(), single, ShNormalization.Integral);
        for (int i = 0; i < single.Length; i++) Assert.True(Math.Abs(single[i] - total[i]) < 2e-4 * (1 + Math.Abs(total[i])), $"float32 gradient {i}");
    }

    [Theory]
    [InlineData("1", ShNormalization.Component)]
    [InlineData("0,1,2,10", ShNormalization.Norm)]
    [InlineData("0,3,4,5,6", ShNormalization.Integral)]
    public void Float32BatchesAgreeWithFloat64AcrossChunksAndTails(string orders, ShNormalization normalization)
    {
        // 10,007 vectors: several threads' chunks, SIMD groups and scalar tails all take part.
        var set = LSet.Parse(orders);
        var rng = new Random(orders.Length);
        const int count = 10_007;
        var xyz = ShTestData.RandomVectors(rng, count);
        var gradOut = Enumerable.Range(0, count * set.Dim).Select(_ => RandomRotations.Gauss(rng)).ToArray();
        var y64 = new double[count * set.Dim];
        var g64 = new double[3 * count];
        SphericalHarmonics.Forward(set, xyz, y64, normalization);
        SphericalHarmonics.Backward(set, xyz, gradOut, g64, normalization);
        var y32 = new float[count * set.Dim];
        var g32 = new float[3 * count];
        var xyz32 = xyz.Select(v => (float)v).ToArray();
        SphericalHarmonics.Forward(set, xyz32, y32, normalization);
        SphericalHarmonics.Backward(set, xyz32, gradOut.Select(v => (float)v).ToArray(), g32, normalization);
        for (int i = 0; i < y64.Length; i++) Assert.True(Math.Abs(y64[i] - y32[i]) < 1e-4, $"value {i}: {y64[i]} vs {y32[i]}");
        for (int i = 0; i < g64.Length; i++) Assert.True(Math.Abs(g64[i] - g32[i]) < 1e-3 * (1 + Math.Abs(g64[i])), $"gradient {i}: {g64[i]} vs {g32[i]}");
    }
}
