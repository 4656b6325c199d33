using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Synthetic;

/// <summary>
/// Seeded synthetic point sets with known structure, used by the tests and by the PHATE benchmark
/// (so the benchmark embeds data shaped like real embeddings, not uniform noise).
/// </summary>
public static class SyntheticData
{
    /// <summary>Gaussian clusters with unit noise around centres spaced <paramref name="separation"/> apart (random directions).</summary>
    public static (RowMatrix Points, int[] Labels) GaussianClusters(int clusters, int perCluster, int dim, double separation, int seed)
    {
        var rng = new Random(seed);
        var centres = new double[clusters][];
        for (int c = 0; c < clusters; c++)
        {
            var v = Enumerable.Range(0, dim).Select(_ => Gaussian(rng)).ToArray();
            double norm = Math.Sqrt(v.Sum(t => t * t));
            centres[c] = v.Select(t => t / norm * separation).ToArray();
        }
        var x = new RowMatrix(clusters * perCluster, dim);
        var labels = new int[clusters * perCluster];
        for (int i = 0; i < labels.Length; i++)
        {
            int c = i % clusters;
            labels[i] = c;
            for (int d = 0; d < dim; d++) x[i, d] = centres[c][d] + Gaussian(rng);
        }
        return (x, labels);
    }

    /// <summary>
    /// A branching tree (PHATE's own test shape): a trunk from the origin, then <paramref name="branches"/> branches
    /// leaving its end in random directions; points are spread uniformly along each segment plus small noise.
    /// Label 0 is the trunk, 1.. the branches.
    /// </summary>
    public static (RowMatrix Points, int[] Labels) BranchingTree(int branches, int perSegment, int dim, double noise, int seed)
    {
        var rng = new Random(seed);
        double[] Direction()
        {
            var v = Enumerable.Range(0, dim).Select(_ => Gaussian(rng)).ToArray();
            double norm = Math.Sqrt(v.Sum(t => t * t));
            return v.Select(t => t / norm * 10).ToArray();
        }
        var trunk = Direction();
        int segments = branches + 1;
        var x = new RowMatrix(segments * perSegment, dim);
        var labels = new int[segments * perSegment];
        for (int s = 0; s < segments; s++)
        {
            var dir = s == 0 ? trunk : Direction();
            var origin = s == 0 ? new double[dim] : trunk;
            for (int p = 0; p < perSegment; p++)
            {
                int i = s * perSegment + p;
                labels[i] = s;
                double u = (p + 0.5) / perSegment;
                for (int d = 0; d < dim; d++) x[i, d] = origin[d] + u * dir[d] + noise * Gaussian(rng);
            }
        }
        return (x, labels);
    }

    /// <summary>Standard normal deviate (Box-Muller).</summary>
    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
