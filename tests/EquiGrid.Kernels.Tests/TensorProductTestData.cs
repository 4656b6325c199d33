using EquiGrid.Kernels;

namespace EquiGrid.Kernels.Tests;

/// <summary>Seeded inputs and O(3) actions on irreps-valued features for the tensor-product tests.</summary>
internal static class TensorProductTestData
{
    public static double[] Normal(Random rng, int n)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = RandomRotations.Gauss(rng);
        return a;
    }

    public static float[] ToFloat(double[] a) => a.Select(v => (float)v).ToArray();

    /// <summary>
    /// Applies the O(3) element (R, inverted?) to rows of features: each block [mul][2l+1] of every row gets
    /// D_l(R), times the block's parity when inverted.
    /// </summary>
    public static double[] Act(Irreps irreps, double[] x, double[,] rotation, bool invert)
    {
        var y = new double[x.Length];
        int rows = irreps.Dim == 0 ? 0 : x.Length / irreps.Dim;
        for (int b = 0; b < irreps.Count; b++)
        {
            var (start, _) = irreps.Slice(b);
            int mul = irreps[b].Mul, d = irreps[b].Irrep.Dim;
            var dm = WignerD.FromRotation(irreps[b].Irrep.L, rotation);
            double sign = invert && irreps[b].Irrep.Parity == -1 ? -1 : 1;
            for (int n = 0; n < rows; n++)
                for (int u = 0; u < mul; u++)
                {
                    int o = n * irreps.Dim + start + u * d;
                    for (int i = 0; i < d; i++)
                    {
                        double s = 0;
                        for (int j = 0; j < d; j++) s += dm[i, j] * x[o + j];
                        y[o + i] = sign * s;
                    }
                }
        }
        return y;
    }

    public static double MaxAbs(ReadOnlySpan<double> a)
    {
        double m = 0;
        foreach (var v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    public static double MaxAbsDiff(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
