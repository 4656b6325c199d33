namespace EquiGrid.Kernels.Tests;

/// <summary>
/// Orthonormality: with integral normalisation, the integral over the sphere of Y_a Y_b is the identity, computed exactly
/// (for polynomials up to degree 20) by Gauss-Legendre in cos(theta) times a uniform rule in phi.
/// </summary>
public class SphericalHarmonicsQuadratureTests
{
    [Fact]
    public void IntegralNormalisedHarmonicsAreOrthonormal()
    {
        var set = LSet.Create(Enumerable.Range(0, 11));
        const int nTheta = 12, nPhi = 24; // exact for total degree <= 23
        var (nodes, weights) = GaussLegendre(nTheta);
        var xyz = new double[3 * nTheta * nPhi];
        var w = new double[nTheta * nPhi];
        int p = 0;
        for (int i = 0; i < nTheta; i++)
            for (int j = 0; j < nPhi; j++, p++)
            {
                double c = nodes[i], s = Math.Sqrt(1 - c * c), phi = 2 * Math.PI * j / nPhi;
                // Any frame works for the integral; use e3nn's (x, y, z) directly.
                xyz[3 * p] = s * Math.Cos(phi);
                xyz[3 * p + 1] = s * Math.Sin(phi);
                xyz[3 * p + 2] = c;
                w[p] = weights[i] * 2 * Math.PI / nPhi;
            }
        var y = new double[p * set.Dim];
        SphericalHarmonics.Forward(set, xyz, y, ShNormalization.Integral);
        double worst = 0;
        for (int a = 0; a < set.Dim; a++)
            for (int b = a; b < set.Dim; b++)
            {
                double integral = 0;
                for (int q = 0; q < p; q++) integral += w[q] * y[q * set.Dim + a] * y[q * set.Dim + b];
                worst = Math.Max(worst, Math.Abs(integral - (a == b ? 1 : 0)));
            }
        Assert.True(worst < 1e-12, $"max |<Y_a, Y_b> - delta_ab| = {worst:E3}");
    }

    private static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (int iter = 0; iter < 100; iter++)
            {
                double p0 = 1, p1 = x;
                for (int k = 2; k <= n; k++) (p0, p1) = (p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k);
                dp = n * (x * p1 - p0) / (x * x - 1);
                double dx = p1 / dp;
                x -= dx;
                if (Math.Abs(dx) < 1e-16) break;
            }
            nodes[i] = x;
            weights[i] = 2 / ((1 - x * x) * dp * dp);
        }
        return (nodes, weights);
    }
}
