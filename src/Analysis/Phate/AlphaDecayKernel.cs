using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE's alpha-decay affinity (graphtools' kNNGraph): K(i,j) = exp(-(d(i,j) / eps_i)^alpha) with eps_i the distance
/// from i to its knn-th nearest other point, entries below the threshold dropped, symmetrised as (K + K^T) / 2.
/// The adaptive bandwidth keeps sparse regions connected; the heavy tail cut (alpha = 40) keeps far points apart.
/// </summary>
public static class AlphaDecayKernel
{
    /// <summary>
    /// Builds the symmetric sparse kernel (self-affinity 1 on the diagonal). Every point within the radius where the
    /// kernel reaches the threshold, eps_i (-ln threshold)^(1/alpha), is included, as graphtools does (it widens its
    /// k-NN search and falls back to a radius search): in high dimensions distances concentrate and far more than
    /// knn x <see cref="PhateOptions.SearchMultiplier"/> points can lie inside that radius, and leaving them out
    /// lowers the degrees of exactly the hub points that set the diffusion time.
    /// </summary>
    public static SparseRows Build(RowMatrix points, PhateOptions options)
    {
        int n = points.Rows;
        if (n <= options.Knn) throw new ArgumentException($"PHATE with knn = {options.Knn} needs more than {options.Knn} points, got {n}");
        int search = Math.Min(n - 1, Math.Max(options.Knn, options.Knn * options.SearchMultiplier));
        var nn = NearestNeighbors.Search(points, search);
        var rows = new (int[] Indices, double[] Distances)[n];
        double reach = Math.Pow(-Math.Log(options.KernelThreshold), 1 / options.Decay);
        Parallel.For(0, n, i =>
        {
            var idx = nn.Indices.AsSpan(i * search, search).ToArray();
            var dist = nn.Distances.AsSpan(i * search, search).ToArray();
            double radius = Bandwidth(dist, options.Knn) * reach;
            if (search < n - 1 && dist[^1] < radius) (idx, dist) = WithinRadius(points, i, radius);
            rows[i] = (idx, dist);
        });
        return FromRows(rows, options);
    }

    /// <summary>Builds the kernel from a precomputed neighbour table (only the neighbours it lists).</summary>
    public static SparseRows FromNeighbors(NeighborTable nn, PhateOptions options)
    {
        int k = nn.K;
        var rows = Enumerable.Range(0, nn.Count)
            .Select(i => (nn.Indices.AsSpan(i * k, k).ToArray(), nn.Distances.AsSpan(i * k, k).ToArray())).ToArray();
        return FromRows(rows, options);
    }

    // Distance to the knn-th nearest other point; duplicates (distance 0) fall back to the nearest positive distance so
    // the kernel stays finite.
    private static double Bandwidth(double[] sortedDistances, int knn)
    {
        double eps = sortedDistances[Math.Min(knn, sortedDistances.Length) - 1];
        if (eps > 0) return eps;
        foreach (var d in sortedDistances) if (d > 0) return d;
        return 1;
    }

    // Every other point closer than the radius, ascending distance (ties by index), distances in double.
    private static (int[] Indices, double[] Distances) WithinRadius(RowMatrix points, int i, double radius)
    {
        var xi = points.Row(i).ToArray();
        var found = new List<(double D, int J)>();
        for (int j = 0; j < points.Rows; j++)
        {
            if (j == i) continue;
            var xj = points.Row(j);
            double s = 0;
            for (int d = 0; d < xi.Length; d++) { double t = xi[d] - xj[d]; s += t * t; }
            double dist = Math.Sqrt(s);
            if (dist < radius) found.Add((dist, j));
        }
        found.Sort((a, b) => a.D != b.D ? a.D.CompareTo(b.D) : a.J.CompareTo(b.J));
        return (found.Select(f => f.J).ToArray(), found.Select(f => f.D).ToArray());
    }

    private static SparseRows FromRows(IReadOnlyList<(int[] Indices, double[] Distances)> rows, PhateOptions options)
    {
        int n = rows.Count;
        var trip = new List<(int, int, double)>(rows.Sum(r => 2 * r.Indices.Length + 1));
        for (int i = 0; i < n; i++)
        {
            var (idx, dist) = rows[i];
            double eps = Bandwidth(dist, options.Knn);
            trip.Add((i, i, 1.0));
            for (int c = 0; c < idx.Length; c++)
            {
                double v = Math.Exp(-Math.Pow(dist[c] / eps, options.Decay));
                if (v < options.KernelThreshold) continue;
                trip.Add((i, idx[c], 0.5 * v));
                trip.Add((idx[c], i, 0.5 * v));
            }
        }
        return SparseRows.FromTriplets(n, n, trip);
    }
}
