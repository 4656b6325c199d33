namespace EquiGrid.Kernels.Tests;

/// <summary>The recursive baseline and the direct kernels agree (two independent algorithms for the same basis).</summary>
public class SphericalHarmonicsRecursiveTests
{
    [Theory]
    [InlineData("0,1,2")]
    [InlineData("0,3,4,5,6")]
    [InlineData("10")]
    [InlineData("0,1,2,3,4,5,6,7,8,9,10")]
    public void RecursiveEqualsDirect(string orders)
    {
        var set = LSet.Parse(orders);
        var xyz = ShTestData.RandomVectors(new Random(21), 500);
        xyz[0] = xyz[1] = xyz[2] = 0; // the zero-vector rule too
        foreach (var normalization in Enum.GetValues<ShNormalization>())
        {
            var direct = new double[500 * set.Dim];
            var recursive = new double[500 * set.Dim];
            SphericalHarmonics.Forward(set, xyz, direct, normalization);
            RecursiveSphericalHarmonics.Forward(set, xyz, recursive, normalization);
            for (int i = 0; i < direct.Length; i++)
                Assert.True(Math.Abs(direct[i] - recursive[i]) < 1e-12, $"{normalization} value {i}: direct {direct[i]}, recursive {recursive[i]}");

            var directF = new float[500 * set.Dim];
            var recursiveF = new float[500 * set.Dim];
            var xyzF = xyz.Select(v => (float)v).ToArray();
            SphericalHarmonics.Forward(set, xyzF, directF, normalization);
            RecursiveSphericalHarmonics.Forward(set, xyzF, recursiveF, normalization);
            for (int i = 0; i < directF.Length; i++) Assert.True(Math.Abs(directF[i] - recursiveF[i]) < 1e-4, $"float32 value {i}");
        }
    }
}
