namespace EquiGrid.Kernels.Tests;

/// <summary>Y(R r) = D(R) Y(r) with D from <see cref="WignerD"/>, which is computed independently of the polynomials.</summary>
public class SphericalHarmonicsEquivarianceTests
{
    public static IEnumerable<object[]> Orders => Enumerable.Range(0, 11).Select(l => new object[] { l });

    [Theory]
    [MemberData(nameof(Orders))]
    public void RotatingTheInputRotatesTheOutputInFloat64(int l)
    {
        var rng = new Random(1000 + l);
        var set = LSet.Of(l);
        double worst = 0;
        for (int trial = 0; trial < 10; trial++)
        {
            var r = RandomRotations.Next(rng);
            var d = WignerD.FromRotation(l, r);
            var xyz = ShTestData.RandomVectors(rng, 20);
            var rotated = Rotate(r, xyz);
            var y = new double[20 * set.Dim];
            var yRotated = new double[20 * set.Dim];
            SphericalHarmonics.Forward(set, xyz, y);
            SphericalHarmonics.Forward(set, rotated, yRotated);
            worst = Math.Max(worst, MaxError(d, y, yRotated, set.Dim));
        }
        Assert.True(worst < 1e-10, $"l={l}: max |Y(Rr) - D Y(r)| = {worst:E3}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public void RotatingTheInputRotatesTheOutputInFloat32(int l)
    {
        var rng = new Random(2000 + l);
        var set = LSet.Of(l);
        double worst = 0;
        for (int trial = 0; trial < 10; trial++)
        {
            var r = RandomRotations.Next(rng);
            var d = WignerD.FromRotation(l, r);
            var xyz = ShTestData.RandomVectors(rng, 50);
            var rotated = Rotate(r, xyz);
            var y = new float[50 * set.Dim];
            var yRotated = new float[50 * set.Dim];
            SphericalHarmonics.Forward(set, xyz.Select(v => (float)v).ToArray(), y);
            SphericalHarmonics.Forward(set, rotated.Select(v => (float)v).ToArray(), yRotated);
            worst = Math.Max(worst, MaxError(d, y.Select(v => (double)v).ToArray(), yRotated.Select(v => (double)v).ToArray(), set.Dim));
        }
        Assert.True(worst < 1e-4, $"l={l}: max |Y(Rr) - D Y(r)| = {worst:E3} in float32");
    }

    [Fact]
    public void UnnormalisedInputIsEquivariantToo()
    {
        var rng = new Random(77);
        var set = LSet.Of(0, 3, 4, 5, 6);
        var r = RandomRotations.Next(rng);
        var xyz = ShTestData.RandomVectors(rng, 30);
        var y = new double[30 * set.Dim];
        var yRotated = new double[30 * set.Dim];
        SphericalHarmonics.Forward(set, xyz, y, normalizeInput: false);
        SphericalHarmonics.Forward(set, Rotate(r, xyz), yRotated, normalizeInput: false);
        int offset = 0;
        foreach (int l in set.Orders)
        {
            var d = WignerD.FromRotation(l, r);
            for (int n = 0; n < 30; n++)
                for (int i = 0; i <= 2 * l; i++)
                {
                    double expected = 0;
                    for (int j = 0; j <= 2 * l; j++) expected += d[i, j] * y[n * set.Dim + offset + j];
                    Assert.True(Math.Abs(expected - yRotated[n * set.Dim + offset + i]) < 1e-9, $"l={l}");
                }
            offset += 2 * l + 1;
        }
    }

    private static double[] Rotate(double[,] r, double[] xyz)
    {
        var result = new double[xyz.Length];
        for (int n = 0; n < xyz.Length / 3; n++)
            for (int i = 0; i < 3; i++)
                result[3 * n + i] = r[i, 0] * xyz[3 * n] + r[i, 1] * xyz[3 * n + 1] + r[i, 2] * xyz[3 * n + 2];
        return result;
    }

    private static double MaxError(double[,] d, double[] y, double[] yRotated, int dim)
    {
        double worst = 0;
        for (int n = 0; n < y.Length / dim; n++)
            for (int i = 0; i < dim; i++)
            {
                double expected = 0;
                for (int j = 0; j < dim; j++) expected += d[i, j] * y[n * dim + j];
                worst = Math.Max(worst, Math.Abs(expected - yRotated[n * dim + i]));
            }
        return worst;
    }
}
