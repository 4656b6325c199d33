namespace EquiGrid.Kernels.Tests;

public class SphericalHarmonicsTests
{
    private static readonly LSet AllOrders = LSet.Create(Enumerable.Range(0, 11));

    [Fact]
    public void MatchesE3nnForEveryOrderInFloat64()
    {
        var f = E3nnFixtures.Load("sh_l0-10_component.json");
        var vectors = f.GetProperty("vectors").EnumerateArray().Select(E3nnFixtures.Vector).ToArray();
        var expected = f.GetProperty("sh").EnumerateArray().Select(E3nnFixtures.Vector).ToArray();
        var xyz = vectors.SelectMany(v => v).ToArray();
        var output = new double[vectors.Length * AllOrders.Dim];
        SphericalHarmonics.Forward(AllOrders, xyz, output);
        for (int n = 0; n < vectors.Length; n++)
            for (int c = 0; c < AllOrders.Dim; c++)
                Assert.True(Math.Abs(expected[n][c] - output[n * AllOrders.Dim + c]) < 1e-12,
                    $"vector {n} component {c}: e3nn {expected[n][c]:R}, ours {output[n * AllOrders.Dim + c]:R}");
    }

    [Fact]
    public void MatchesE3nnInFloat32()
    {
        var f = E3nnFixtures.Load("sh_l0-10_component.json");
        var vectors = f.GetProperty("vectors").EnumerateArray().Select(E3nnFixtures.Vector).ToArray();
        var expected = f.GetProperty("sh").EnumerateArray().Select(E3nnFixtures.Vector).ToArray();
        var xyz = vectors.SelectMany(v => v).Select(v => (float)v).ToArray();
        var output = new float[vectors.Length * AllOrders.Dim];
        SphericalHarmonics.Forward(AllOrders, xyz, output);
        for (int n = 0; n < vectors.Length; n++)
            for (int c = 0; c < AllOrders.Dim; c++)
                Assert.True(Math.Abs(expected[n][c] - output[n * AllOrders.Dim + c]) < 5e-5, $"vector {n} component {c}");
    }

    [Fact]
    public void NonContiguousSetsAreSlicesOfTheFullSet()
    {
        var xyz = ShTestData.RandomVectors(new Random(3), 300);
        var full = new double[300 * AllOrders.Dim];
        SphericalHarmonics.Forward(AllOrders, xyz, full);
        var set = LSet.Of(0, 3, 4, 5, 6, 10);
        var part = new double[300 * set.Dim];
        SphericalHarmonics.Forward(set, xyz, part);
        for (int n = 0; n < 300; n++)
        {
            int c = 0;
            foreach (int l in set.Orders)
                for (int k = 0; k <= 2 * l; k++, c++)
                    Assert.Equal(full[n * AllOrders.Dim + l * l + k], part[n * set.Dim + c]);
        }
    }

    [Theory]
    [InlineData(ShNormalization.Component)]
    [InlineData(ShNormalization.Norm)]
    [InlineData(ShNormalization.Integral)]
    public void NormalisationsScaleTheSumOfSquares(ShNormalization normalization)
    {
        var xyz = ShTestData.RandomVectors(new Random(5), 200);
        var output = new double[200 * AllOrders.Dim];
        SphericalHarmonics.Forward(AllOrders, xyz, output, normalization);
        for (int n = 0; n < 200; n++)
            for (int l = 0; l <= 10; l++)
            {
                double sum = 0;
                for (int k = 0; k <= 2 * l; k++) sum += Math.Pow(output[n * AllOrders.Dim + l * l + k], 2);
                double expected = normalization switch
                {
                    ShNormalization.Component => 2 * l + 1,
                    ShNormalization.Norm => 1,
                    _ => (2 * l + 1) / (4 * Math.PI),
                };
                Assert.True(Math.Abs(sum - expected) < 1e-11 * expected, $"l={l}: sum of squares {sum}, expected {expected}");
            }
    }

    [Fact]
    public void WithoutNormalisationEachOrderIsHomogeneousOfDegreeL()
    {
        var rng = new Random(8);
        var xyz = ShTestData.RandomVectors(rng, 100);
        var unitOut = new double[100 * AllOrders.Dim];
        var rawOut = new double[100 * AllOrders.Dim];
        SphericalHarmonics.Forward(AllOrders, xyz, unitOut, normalizeInput: true);
        SphericalHarmonics.Forward(AllOrders, xyz, rawOut, normalizeInput: false);
        for (int n = 0; n < 100; n++)
        {
            double r = Math.Sqrt(xyz[3 * n] * xyz[3 * n] + xyz[3 * n + 1] * xyz[3 * n + 1] + xyz[3 * n + 2] * xyz[3 * n + 2]);
            for (int l = 0; l <= 10; l++)
                for (int k = 0; k <= 2 * l; k++)
                {
                    int c = n * AllOrders.Dim + l * l + k;
                    double expected = Math.Pow(r, l) * unitOut[c];
                    Assert.True(Math.Abs(rawOut[c] - expected) < 1e-11 * Math.Max(1, Math.Pow(r, l)), $"l={l} k={k}: {rawOut[c]} vs {expected}");
                }
        }
    }

    [Fact]
    public void ZeroVectorGivesE3nnsValuesAndNoNaN()
    {
        var xyz = new double[] { 0, 0, 0, 1, 2, 3 };
        var output = new double[2 * AllOrders.Dim];
        SphericalHarmonics.Forward(AllOrders, xyz, output);
        Assert.Equal(1.0, output[0]);
        for (int c = 1; c < AllOrders.Dim; c++) Assert.Equal(0.0, output[c]);
        Assert.All(output, v => Assert.False(double.IsNaN(v)));
        var grad = new double[6];
        var gradOut = Enumerable.Repeat(1.0, 2 * AllOrders.Dim).ToArray();
        SphericalHarmonics.Backward(AllOrders, xyz, gradOut, grad);
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, grad[..3]);
        Assert.All(grad, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void LargeInputsGiveTheSameResultsAsSmallBatches()
    {
        // Exercises the multi-threaded chunking and the tile tails: every vector's row is independent of the batch.
        var xyz = ShTestData.RandomVectors(new Random(9), 10_007).Select(v => (float)v).ToArray();
        var set = LSet.Of(0, 1, 2, 7);
        var all = new float[10_007 * set.Dim];
        SphericalHarmonics.Forward(set, xyz, all);
        foreach (int n in new[] { 0, 63, 64, 4095, 10_006 })
        {
            var one = new float[set.Dim];
            SphericalHarmonics.Forward(set, xyz.AsSpan(3 * n, 3), one);
            Assert.Equal(one, all.AsSpan(n * set.Dim, set.Dim).ToArray());
        }
    }

    [Fact]
    public void BadSpanLengthsNameTheParameter()
    {
        var set = LSet.Of(0, 1);
        Assert.Equal("xyz", Assert.Throws<ArgumentException>(() => SphericalHarmonics.Forward(set, new float[4], new float[4])).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => SphericalHarmonics.Forward(set, new float[6], new float[7])).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => SphericalHarmonics.Forward(set, new double[6], new double[9])).ParamName);
        Assert.Equal("gradOutput", Assert.Throws<ArgumentException>(() => SphericalHarmonics.Backward(set, new float[6], new float[7], new float[6])).ParamName);
        Assert.Equal("gradXyz", Assert.Throws<ArgumentException>(() => SphericalHarmonics.Backward(set, new double[6], new double[8], new double[3])).ParamName);
        Assert.Equal("normalization", Assert.Throws<ArgumentOutOfRangeException>(() => SphericalHarmonics.Forward(set, new float[3], new float[4], (ShNormalization)7)).ParamName);
        Assert.Throws<ArgumentNullException>(() => SphericalHarmonics.Forward(null!, new float[3], new float[4]));
        Assert.Equal(4, SphericalHarmonics.Dim(set));
    }

    [Fact]
    public void EmptyInputIsANoOp()
    {
        SphericalHarmonics.Forward(LSet.Of(2), ReadOnlySpan<float>.Empty, Span<float>.Empty);
        SphericalHarmonics.Backward(LSet.Of(2), ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, Span<double>.Empty);
    }
}
