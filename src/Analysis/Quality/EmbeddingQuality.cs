using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Quality;

/// <summary>
/// Measures of how faithfully a low-dimensional embedding keeps the structure of the original data,
/// used to test PHATE rather than eyeballing pictures.
/// </summary>
public static class EmbeddingQuality
{
    /// <summary>
    /// Trustworthiness (Venna and Kaski 2001): 1 minus a penalty for every point that is among the k nearest
    /// neighbours in the embedding but not in the original space, weighted by how far down the original
    /// ranking it is. 1 = no false neighbours; about 0.5 = random. Needs k &lt; n/2. O(n^2 log n).
    /// </summary>
    public static double Trustworthiness(RowMatrix original, RowMatrix embedded, int k)
    {
        int n = original.Rows;
        if (embedded.Rows != n) throw new ArgumentException($"row counts differ: {n} original vs {embedded.Rows} embedded");
        if (k < 1 || k >= n / 2.0) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, n/2) for n = {n}");
        var low = NearestNeighbors.Search(embedded, k);
        double penalty = 0;
        var rowPenalty = new double[n];
        Parallel.For(0, n, i =>
        {
            // Rank (1-based, self excluded) of every point by distance to i in the original space.
            var d = new double[n];
            var xi = original.Row(i);
            for (int j = 0; j < n; j++)
            {
                var xj = original.Row(j);
                double s = 0;
                for (int c = 0; c < xi.Length; c++) { double t = xi[c] - xj[c]; s += t * t; }
                d[j] = s;
            }
            var order = Enumerable.Range(0, n).Where(j => j != i).OrderBy(j => d[j]).ThenBy(j => j).ToArray();
            var rank = new int[n];
            for (int r = 0; r < order.Length; r++) rank[order[r]] = r + 1;
            double p = 0;
            for (int c = 0; c < k; c++)
            {
                int r = rank[low.Indices[i * k + c]];
                if (r > k) p += r - k;
            }
            rowPenalty[i] = p;
        });
        foreach (var p in rowPenalty) penalty += p;
        return 1 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
    }

    /// <summary>Fraction of each point's k nearest embedded neighbours that share its class, averaged over points.</summary>
    public static double NeighborPurity(RowMatrix embedded, IReadOnlyList<int> labels, int k)
    {
        if (labels.Count != embedded.Rows) throw new ArgumentException($"{labels.Count} labels for {embedded.Rows} points");
        var nn = NearestNeighbors.Search(embedded, k);
        double same = 0;
        for (int i = 0; i < embedded.Rows; i++)
            for (int c = 0; c < k; c++) if (labels[nn.Indices[i * k + c]] == labels[i]) same++;
        return same / (embedded.Rows * (double)k);
    }

    /// <summary>Mean silhouette coefficient (Rousseeuw 1987) of the labelled points in the embedding; in [-1, 1].</summary>
    public static double Silhouette(RowMatrix embedded, IReadOnlyList<int> labels)
    {
        int n = embedded.Rows;
        if (labels.Count != n) throw new ArgumentException($"{labels.Count} labels for {n} points");
        var classes = labels.Distinct().OrderBy(c => c).ToArray();
        if (classes.Length < 2) throw new ArgumentException("silhouette needs at least two classes");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var size = new int[classes.Length];
        foreach (var l in labels) size[index[l]]++;
        var s = new double[n];
        Parallel.For(0, n, i =>
        {
            var sum = new double[classes.Length];
            var xi = embedded.Row(i);
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                var xj = embedded.Row(j);
                double d = 0;
                for (int c = 0; c < xi.Length; c++) { double t = xi[c] - xj[c]; d += t * t; }
                sum[index[labels[j]]] += Math.Sqrt(d);
            }
            int own = index[labels[i]];
            if (size[own] <= 1) { s[i] = 0; return; }
            double a = sum[own] / (size[own] - 1), b = double.PositiveInfinity;
            for (int c = 0; c < classes.Length; c++) if (c != own && size[c] > 0) b = Math.Min(b, sum[c] / size[c]);
            s[i] = (b - a) / Math.Max(a, b);
        });
        return s.Average();
    }
}
