namespace EquiGrid.Analysis.Numerics;

/// <summary>The k nearest other points of every point, nearest first (self excluded).</summary>
/// <param name="Indices">Row-major [n, K] neighbour indices.</param>
/// <param name="Distances">Row-major [n, K] Euclidean distances, ascending per row.</param>
/// <param name="K">Neighbours per point.</param>
public sealed record NeighborTable(int[] Indices, double[] Distances, int K)
{
    /// <summary>Number of points.</summary>
    public int Count => K == 0 ? 0 : Indices.Length / K;
}

/// <summary>
/// Exact brute-force k-nearest-neighbour search. At the sizes analysed here (about 13k molecules x a few
/// hundred dims) a blocked SIMD distance pass over all pairs costs a few seconds and, unlike a ball tree,
/// its speed does not degrade with dimension. Ties are broken by the lower index, so results are deterministic.
/// </summary>
public static class NearestNeighbors
{
    /// <summary>Finds the <paramref name="k"/> nearest other rows of <paramref name="points"/> for every row.</summary>
    public static NeighborTable Search(RowMatrix points, int k)
    {
        int n = points.Rows, dim = points.Cols;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be >= 1");
        if (n <= k) throw new ArgumentException($"k-NN with k = {k} needs more than {k} points, got {n}", nameof(points));
        var x = points.ToFloat();
        var norms = GramKernel.RowNormsSquared<float>(x, n, dim);
        var idx = new int[n * k];
        var dist = new double[n * k];
        const int bi = 32, bj = 256;
        int blocks = (n + bi - 1) / bi;
        Parallel.For(0, blocks, blk =>
        {
            int i0 = blk * bi, i1 = Math.Min(n, i0 + bi);
            var tile = new float[bi * bj];
            var bestD = new float[(i1 - i0) * k];
            var bestI = new int[(i1 - i0) * k];
            Array.Fill(bestD, float.PositiveInfinity);
            Array.Fill(bestI, int.MaxValue);
            for (int j0 = 0; j0 < n; j0 += bj)
            {
                int j1 = Math.Min(n, j0 + bj), w = j1 - j0;
                GramKernel.Dots<float>(x, x, dim, i0, i1, j0, j1, tile);
                for (int i = i0; i < i1; i++)
                {
                    var bd = bestD.AsSpan((i - i0) * k, k);
                    var bix = bestI.AsSpan((i - i0) * k, k);
                    float ni = norms[i];
                    int row = (i - i0) * w;
                    for (int j = j0; j < j1; j++)
                    {
                        if (j == i) continue;
                        float d2 = MathF.Max(0f, ni + norms[j] - 2f * tile[row + j - j0]);
                        if (d2 < bd[k - 1] || (d2 == bd[k - 1] && j < bix[k - 1])) Insert(bd, bix, d2, j);
                    }
                }
            }
            for (int i = i0; i < i1; i++)
                for (int c = 0; c < k; c++)
                {
                    idx[i * k + c] = bestI[(i - i0) * k + c];
                    dist[i * k + c] = Math.Sqrt(bestD[(i - i0) * k + c]);
                }
        });
        // Recompute distances of the selected pairs in double precision: the norm expansion loses digits for near points.
        Parallel.For(0, n, i =>
        {
            var xi = points.Row(i);
            for (int c = 0; c < k; c++)
            {
                var xj = points.Row(idx[i * k + c]);
                double s = 0;
                for (int d = 0; d < dim; d++) { double t = xi[d] - xj[d]; s += t * t; }
                dist[i * k + c] = Math.Sqrt(s);
            }
            SortRow(idx.AsSpan(i * k, k), dist.AsSpan(i * k, k));
        });
        return new NeighborTable(idx, dist, k);
    }

    private static void Insert(Span<float> bd, Span<int> bi, float d, int j)
    {
        int p = bd.Length - 1;
        while (p > 0 && (bd[p - 1] > d || (bd[p - 1] == d && bi[p - 1] > j)))
        {
            bd[p] = bd[p - 1];
            bi[p] = bi[p - 1];
            p--;
        }
        bd[p] = d;
        bi[p] = j;
    }

    private static void SortRow(Span<int> idx, Span<double> d)
    {
        for (int a = 1; a < idx.Length; a++)
        {
            double dv = d[a]; int iv = idx[a]; int p = a;
            while (p > 0 && (d[p - 1] > dv || (d[p - 1] == dv && idx[p - 1] > iv))) { d[p] = d[p - 1]; idx[p] = idx[p - 1]; p--; }
            d[p] = dv; idx[p] = iv;
        }
    }
}
