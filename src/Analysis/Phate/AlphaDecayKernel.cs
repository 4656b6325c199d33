using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE's alpha-decay affinity: K(i,j) = exp(-(d(i,j) / eps_i)^alpha) with eps_i the distance from i to its
/// knn-th nearest other point, entries below the threshold dropped, symmetrised as (K + K^T) / 2.
/// The adaptive bandwidth keeps sparse regions connected; the heavy tail cut (alpha = 40) keeps far points apart.
/// </summary>
public static class AlphaDecayKernel
{
    /// <summary>Builds the symmetric sparse kernel (self-affinity 1 on the diagonal).</summary>
    public static SparseRows Build(RowMatrix points, PhateOptions options)
    {
        int n = points.Rows;
        int search = Math.Min(n - 1, Math.Max(options.Knn, options.Knn * options.SearchMultiplier));
        if (n <= options.Knn) throw new ArgumentException($"PHATE with knn = {options.Knn} needs more than {options.Knn} points, got {n}");
        var nn = NearestNeighbors.Search(points, search);
        return FromNeighbors(nn, options);
    }

    /// <summary>Builds the kernel from a precomputed neighbour table.</summary>
    public static SparseRows FromNeighbors(NeighborTable nn, PhateOptions options)
    {
        int n = nn.Count, k = nn.K;
        var trip = new List<(int, int, double)>(n * (2 * k + 1));
        for (int i = 0; i < n; i++)
        {
            double eps = nn.Distances[i * k + Math.Min(options.Knn, k) - 1];
            if (eps <= 0)
            {
                // Duplicate points: fall back to the nearest positive distance so the kernel stays finite.
                eps = 0;
                for (int c = 0; c < k && eps <= 0; c++) eps = nn.Distances[i * k + c];
                if (eps <= 0) eps = 1;
            }
            trip.Add((i, i, 1.0));
            for (int c = 0; c < k; c++)
            {
                double v = Math.Exp(-Math.Pow(nn.Distances[i * k + c] / eps, options.Decay));
                if (v < options.KernelThreshold) continue;
                int j = nn.Indices[i * k + c];
                trip.Add((i, j, 0.5 * v));
                trip.Add((j, i, 0.5 * v));
            }
        }
        return SparseRows.FromTriplets(n, n, trip);
    }
}
