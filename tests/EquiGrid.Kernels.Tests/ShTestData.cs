namespace EquiGrid.Kernels.Tests;

/// <summary>Seeded test vectors with varied lengths (0.3 .. 3), never zero.</summary>
internal static class ShTestData
{
    public static double[] RandomVectors(Random rng, int count)
    {
        var xyz = new double[3 * count];
        for (int n = 0; n < count; n++)
        {
            double scale = 0.3 + 2.7 * rng.NextDouble();
            double x = RandomRotations.Gauss(rng), y = RandomRotations.Gauss(rng), z = RandomRotations.Gauss(rng);
            double r = Math.Sqrt(x * x + y * y + z * z);
            xyz[3 * n] = scale * x / r;
            xyz[3 * n + 1] = scale * y / r;
            xyz[3 * n + 2] = scale * z / r;
        }
        return xyz;
    }
}
