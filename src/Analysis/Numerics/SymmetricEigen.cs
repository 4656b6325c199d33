using MathNet.Numerics.LinearAlgebra;

namespace EquiGrid.Analysis.Numerics;

/// <summary>Eigen-decomposition of a real symmetric matrix, eigenvalues in descending order.</summary>
/// <param name="Values">Eigenvalues, largest first.</param>
/// <param name="Vectors">Row-major [n, n]: column c is the eigenvector of Values[c].</param>
public sealed record SymmetricEigenResult(double[] Values, RowMatrix Vectors);

/// <summary>Thin wrapper over MathNet's symmetric EVD that returns our row-major layout, sorted descending.</summary>
public static class SymmetricEigen
{
    /// <summary>Decomposes a symmetric matrix (only symmetry up to rounding is assumed).</summary>
    public static SymmetricEigenResult Decompose(RowMatrix a)
    {
        if (a.Rows != a.Cols) throw new ArgumentException($"matrix must be square, got {a.Rows} x {a.Cols}", nameof(a));
        int n = a.Rows;
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => 0.5 * (a[i, j] + a[j, i]));
        var evd = m.Evd(Symmetricity.Symmetric);
        var vals = evd.EigenValues.Select(c => c.Real).ToArray();
        var order = Enumerable.Range(0, n).OrderByDescending(i => vals[i]).ThenBy(i => i).ToArray();
        var vec = new RowMatrix(n, n);
        var v = evd.EigenVectors;
        for (int c = 0; c < n; c++)
        {
            int src = order[c];
            // Fix the sign (largest-magnitude component positive) so results do not depend on solver internals.
            double big = 0; int at = 0;
            for (int r = 0; r < n; r++) if (Math.Abs(v[r, src]) > big) { big = Math.Abs(v[r, src]); at = r; }
            double sign = v[at, src] < 0 ? -1 : 1;
            for (int r = 0; r < n; r++) vec[r, c] = sign * v[r, src];
        }
        return new SymmetricEigenResult(order.Select(i => vals[i]).ToArray(), vec);
    }
}
