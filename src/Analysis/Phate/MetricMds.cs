using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Phate;

/// <summary>
/// Metric MDS to 2-D as PHATE does it: classical MDS (Torgerson) for a start, then SMACOF stress majorisation,
/// which fits the potential distances themselves rather than their squares.
/// </summary>
public static class MetricMds
{
    /// <summary>Classical MDS: the top two eigenvectors of the double-centred squared-distance matrix, scaled by sqrt(eigenvalue).</summary>
    public static RowMatrix Classical(RowMatrix distances, int seed)
    {
        int m = distances.Rows;
        var b = new RowMatrix(m, m);
        var rowMean = new double[m];
        double all = 0;
        for (int i = 0; i < m; i++)
        {
            double s = 0;
            for (int j = 0; j < m; j++) { double d = distances[i, j]; s += d * d; }
            rowMean[i] = s / m;
            all += s;
        }
        all /= (double)m * m;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                double d = distances[i, j];
                b[i, j] = -0.5 * (d * d - rowMean[i] - rowMean[j] + all);
            }
        // Subspace iteration on 8 vectors, then Rayleigh-Ritz: the two largest positive eigenpairs are all we need.
        const int w = 8;
        int width = Math.Min(w, m);
        var rng = new Random(seed);
        var q = new double[m * width];
        for (int i = 0; i < q.Length; i++) q[i] = rng.NextDouble() - 0.5;
        for (int it = 0; it < 60; it++) q = GramSchmidt(MultiplyDense(b, q, width), m, width);
        var bq = MultiplyDense(b, q, width);
        var small = new RowMatrix(width, width);
        for (int i = 0; i < m; i++)
            for (int c1 = 0; c1 < width; c1++)
                for (int c2 = 0; c2 < width; c2++) small[c1, c2] += q[i * width + c1] * bq[i * width + c2];
        var eig = SymmetricEigen.Decompose(small);
        var y = new RowMatrix(m, 2);
        for (int c = 0; c < 2 && c < width; c++)
        {
            double scale = Math.Sqrt(Math.Max(0, eig.Values[c]));
            for (int i = 0; i < m; i++)
            {
                double s = 0;
                for (int t = 0; t < width; t++) s += q[i * width + t] * eig.Vectors[t, c];
                y[i, c] = s * scale;
            }
        }
        return y;
    }

    /// <summary>
    /// SMACOF (Guttman transform, unit weights) from <paramref name="start"/>, until the relative stress decrease
    /// falls below <paramref name="tolerance"/> or <paramref name="maxIterations"/>.
    /// </summary>
    public static RowMatrix Smacof(RowMatrix distances, RowMatrix start, int maxIterations, double tolerance = 1e-6)
    {
        int m = distances.Rows;
        var x = new RowMatrix(m, 2, (double[])start.Data.Clone());
        var next = new RowMatrix(m, 2);
        var rowStress = new double[m];
        double prevStress = double.PositiveInfinity;
        for (int it = 0; it < maxIterations; it++)
        {
            var cur = x;
            var nx = next;
            Parallel.For(0, m, i =>
            {
                double xi = cur[i, 0], yi = cur[i, 1], sx = 0, sy = 0, st = 0;
                var drow = distances.Row(i);
                for (int j = 0; j < m; j++)
                {
                    if (j == i) continue;
                    double dx = xi - cur[j, 0], dy = yi - cur[j, 1];
                    double d = Math.Sqrt(dx * dx + dy * dy);
                    double delta = drow[j];
                    st += (delta - d) * (delta - d);
                    if (d > 1e-12) { double r = delta / d; sx += r * dx; sy += r * dy; }
                }
                nx[i, 0] = sx / m;
                nx[i, 1] = sy / m;
                rowStress[i] = st;
            });
            double stress = 0;
            for (int i = 0; i < m; i++) stress += rowStress[i];
            (x, next) = (next, x);
            if (prevStress - stress <= tolerance * prevStress) break;
            prevStress = stress;
        }
        return x;
    }

    private static double[] MultiplyDense(RowMatrix a, double[] q, int width)
    {
        int m = a.Rows;
        var r = new double[m * width];
        Parallel.For(0, m, i =>
        {
            var row = a.Row(i);
            var out_ = r.AsSpan(i * width, width);
            for (int j = 0; j < m; j++)
            {
                double v = row[j];
                for (int c = 0; c < width; c++) out_[c] += v * q[j * width + c];
            }
        });
        return r;
    }

    private static double[] GramSchmidt(double[] y, int m, int w)
    {
        for (int c = 0; c < w; c++)
        {
            for (int p = 0; p < c; p++)
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += y[i * w + c] * y[i * w + p];
                for (int i = 0; i < m; i++) y[i * w + c] -= dot * y[i * w + p];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += y[i * w + c] * y[i * w + c];
            norm = Math.Sqrt(norm);
            if (norm < 1e-300) norm = 1;
            for (int i = 0; i < m; i++) y[i * w + c] /= norm;
        }
        return y;
    }
}
