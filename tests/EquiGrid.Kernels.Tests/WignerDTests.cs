namespace EquiGrid.Kernels.Tests;

public class WignerDTests
{
    [Fact]
    public void MatchesE3nnFixtureForOrder2()
    {
        var f = E3nnFixtures.Load("wignerD_l2.json");
        double alpha = f.GetProperty("alpha").GetDouble(), beta = f.GetProperty("beta").GetDouble(), gamma = f.GetProperty("gamma").GetDouble();
        var expectedD = E3nnFixtures.Matrix(f.GetProperty("D"));
        var expectedR = E3nnFixtures.Matrix(f.GetProperty("R"));
        var r = WignerD.RotationFromAngles(alpha, beta, gamma);
        AssertClose(expectedR, r, 1e-14);
        AssertClose(expectedD, WignerD.FromAngles(2, alpha, beta, gamma), 1e-12);
        AssertClose(expectedD, WignerD.FromRotation(2, expectedR), 1e-12);
    }

    [Fact]
    public void OrderOneIsTheRotationItself()
    {
        // Y_1 = sqrt(3) (x, y, z) in e3nn's basis, so D_1(R) = R.
        var rng = new Random(11);
        for (int t = 0; t < 20; t++)
        {
            var r = RandomRotations.Next(rng);
            AssertClose(r, WignerD.FromRotation(1, r), 1e-13);
        }
    }

    [Fact]
    public void OrderZeroIsOne()
    {
        var d = WignerD.FromRotation(0, RandomRotations.Next(new Random(1)));
        Assert.Equal(1.0, d[0, 0], 14);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    public void IsAnOrthogonalRepresentation(int l)
    {
        var rng = new Random(100 + l);
        for (int t = 0; t < 5; t++)
        {
            var r1 = RandomRotations.Next(rng);
            var r2 = RandomRotations.Next(rng);
            var d1 = WignerD.FromRotation(l, r1);
            var d2 = WignerD.FromRotation(l, r2);
            AssertClose(WignerD.FromRotation(l, RandomRotations.Multiply(r1, r2)), RandomRotations.Multiply(d1, d2), 1e-11);
            var dtd = new double[2 * l + 1, 2 * l + 1];
            for (int i = 0; i <= 2 * l; i++)
                for (int j = 0; j <= 2 * l; j++)
                    for (int k = 0; k <= 2 * l; k++) dtd[i, j] += d1[k, i] * d1[k, j];
            var identity = new double[2 * l + 1, 2 * l + 1];
            for (int i = 0; i <= 2 * l; i++) identity[i, i] = 1;
            AssertClose(identity, dtd, 1e-12);
        }
    }

    [Fact]
    public void RotationsNearTheEulerSingularitiesAreAccurate()
    {
        // beta = 0 and beta = pi in the z-polar frame are rotations about y and y-rotations composed with a half turn.
        foreach (var r in new[] { WignerD.RotationFromAngles(0.4, 0, 0.3), WignerD.RotationFromAngles(0.4, Math.PI, 0.3), WignerD.RotationFromAngles(0, 1e-13, 0) })
        {
            AssertClose(r, WignerD.FromRotation(1, r), 1e-12);
            var d = WignerD.FromRotation(4, r);
            var d2 = WignerD.FromRotation(4, RandomRotations.Multiply(r, r));
            AssertClose(d2, RandomRotations.Multiply(d, d), 1e-11);
        }
    }

    [Fact]
    public void RejectsBadInput()
    {
        var reflection = new double[,] { { -1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        Assert.Equal("rotation", Assert.Throws<ArgumentException>(() => WignerD.FromRotation(2, reflection)).ParamName);
        Assert.Equal("rotation", Assert.Throws<ArgumentException>(() => WignerD.FromRotation(2, new double[2, 2])).ParamName);
        Assert.Equal("rotation", Assert.Throws<ArgumentException>(() => WignerD.FromRotation(2, new double[,] { { 2, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } })).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => WignerD.FromAngles(11, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WignerD.FromAngles(-1, 0, 0, 0));
    }

    internal static void AssertClose(double[,] expected, double[,] actual, double tol)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        double worst = 0;
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                worst = Math.Max(worst, Math.Abs(expected[i, j] - actual[i, j]));
        Assert.True(worst <= tol, $"max |difference| {worst:E3} > {tol:E1}");
    }
}
