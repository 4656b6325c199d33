namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// Principal-component scores: the rows centred and projected onto the top eigenvectors of their covariance.
/// PHATE reduces inputs wider than its <c>n_pca</c> (100) this way before building the k-NN graph.
/// </summary>
public static class PrincipalComponents
{
    /// <summary>
    /// Scores of the rows on the <paramref name="components"/> leading principal directions (exact: a full symmetric
    /// eigendecomposition of the d x d covariance, where PHATE's graphtools uses a randomised solver that approximates
    /// the same directions). Euclidean distances between the scores equal those between the rows projected onto the
    /// leading subspace, which is all the k-NN kernel sees; eigenvector signs do not matter for it.
    /// </summary>
    public static RowMatrix Project(RowMatrix x, int components)
    {
        int n = x.Rows, d = x.Cols;
        if (components < 1) throw new ArgumentException($"components must be >= 1, got {components}", nameof(components));
        if (components >= d) throw new ArgumentException($"components ({components}) must be fewer than the {d} columns", nameof(components));
        var mean = new double[d];
        for (int i = 0; i < n; i++) { var r = x.Row(i); for (int c = 0; c < d; c++) mean[c] += r[c]; }
        for (int c = 0; c < d; c++) mean[c] /= Math.Max(1, n);
        // Covariance (up to the 1/(n-1) factor, irrelevant for directions) = Xc^T Xc: transpose once so the Gram
        // kernel's row-dot layout applies.
        var t = new double[(long)d * n];
        for (int i = 0; i < n; i++) for (int c = 0; c < d; c++) t[(long)c * n + i] = x[i, c] - mean[c];
        var cov = GramKernel.MultiplyTransposed(t, d, t, d, n);
        var eig = SymmetricEigen.Decompose(new RowMatrix(d, d, cov));
        var directions = new double[components * d]; // row k = k-th direction, contiguous for the dot products
        for (int k = 0; k < components; k++) for (int c = 0; c < d; c++) directions[k * d + c] = eig.Vectors[c, k];
        var centred = new double[(long)n * d];
        for (int i = 0; i < n; i++) for (int c = 0; c < d; c++) centred[(long)i * d + c] = x[i, c] - mean[c];
        return new RowMatrix(n, components, GramKernel.MultiplyTransposed(centred, n, directions, components, d));
    }
}
