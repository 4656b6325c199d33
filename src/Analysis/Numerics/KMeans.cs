namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// Seeded k-means (k-means++ initialisation, then Lloyd iterations). Used to pick PHATE's landmarks; the
/// assignment step is a blocked SIMD distance pass so 13k points x 2000 centres x 100 dims stays in seconds.
/// </summary>
public static class KMeans
{
    /// <summary>Cluster label of every row (labels are 0..k'-1 with empty clusters removed).</summary>
    public static int[] Cluster(RowMatrix points, int k, int seed, int maxIterations = 10)
    {
        int n = points.Rows, dim = points.Cols;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be >= 1");
        k = Math.Min(k, n);
        var x = points.Data;
        var rng = new Random(seed);
        var centres = new double[k * dim];
        // k-means++: each new centre drawn with probability proportional to the squared distance to the nearest chosen one.
        var norms = GramKernel.RowNormsSquared<double>(x, n, dim);
        var minD = new double[n];
        Array.Fill(minD, double.PositiveInfinity);
        int first = rng.Next(n);
        points.Row(first).CopyTo(centres.AsSpan(0, dim));
        for (int c = 1; c <= k; c++)
        {
            var prev = centres.AsSpan((c - 1) * dim, dim).ToArray();
            double prevNorm = GramKernel.Dot<double>(prev, prev);
            Parallel.For(0, (n + 255) / 256, blk =>
            {
                int i1 = Math.Min(n, blk * 256 + 256);
                for (int i = blk * 256; i < i1; i++)
                {
                    double s = Math.Max(0, norms[i] + prevNorm - 2 * GramKernel.Dot<double>(x.AsSpan(i * dim, dim), prev));
                    if (s < minD[i]) minD[i] = s;
                }
            });
            if (c == k) break;
            double total = 0;
            for (int i = 0; i < n; i++) total += minD[i];
            int pick;
            if (total <= 0) pick = rng.Next(n);
            else
            {
                double u = rng.NextDouble() * total, acc = 0;
                pick = n - 1;
                for (int i = 0; i < n; i++) { acc += minD[i]; if (acc >= u) { pick = i; break; } }
            }
            points.Row(pick).CopyTo(centres.AsSpan(c * dim, dim));
        }

        var labels = new int[n];
        for (int it = 0; it < maxIterations; it++)
        {
            bool changed = Assign(x, n, dim, centres, k, labels) || it == 0;
            var sums = new double[k * dim];
            var counts = new int[k];
            for (int i = 0; i < n; i++)
            {
                counts[labels[i]]++;
                var r = points.Row(i);
                var s = sums.AsSpan(labels[i] * dim, dim);
                for (int d = 0; d < dim; d++) s[d] += r[d];
            }
            for (int c = 0; c < k; c++)
                if (counts[c] > 0)
                    for (int d = 0; d < dim; d++) centres[c * dim + d] = sums[c * dim + d] / counts[c];
            if (!changed) break;
        }
        Assign(x, n, dim, centres, k, labels);
        // Renumber so that labels are dense (an empty cluster is simply not a landmark).
        var map = new int[k];
        Array.Fill(map, -1);
        int next = 0;
        for (int i = 0; i < n; i++)
        {
            if (map[labels[i]] < 0) map[labels[i]] = next++;
            labels[i] = map[labels[i]];
        }
        return labels;
    }

    private static bool Assign(double[] x, int n, int dim, double[] centres, int k, int[] labels)
    {
        var cn = GramKernel.RowNormsSquared<double>(centres, k, dim);
        const int bi = 32, bj = 256;
        int blocks = (n + bi - 1) / bi;
        int changed = 0;
        Parallel.For(0, blocks, blk =>
        {
            int i0 = blk * bi, i1 = Math.Min(n, i0 + bi);
            var tile = new double[bi * bj];
            var best = new double[i1 - i0];
            var arg = new int[i1 - i0];
            Array.Fill(best, double.PositiveInfinity);
            for (int j0 = 0; j0 < k; j0 += bj)
            {
                int j1 = Math.Min(k, j0 + bj), w = j1 - j0;
                GramKernel.Dots<double>(x, centres, dim, i0, i1, j0, j1, tile);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                    {
                        double d = cn[j] - 2 * tile[(i - i0) * w + j - j0];
                        if (d < best[i - i0]) { best[i - i0] = d; arg[i - i0] = j; }
                    }
            }
            for (int i = i0; i < i1; i++)
                if (labels[i] != arg[i - i0]) { labels[i] = arg[i - i0]; Interlocked.Exchange(ref changed, 1); }
        });
        return changed != 0;
    }
}
