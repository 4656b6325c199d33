using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Figures;

/// <summary>One allowed tensor-product path (l1 x l2 -> l3) with the parities of its irreps.</summary>
public sealed record TensorProductPath(Irrep Input, Irrep Harmonic, Irrep Output);

/// <summary>
/// The paths of the interaction block's fully connected tensor product for an L-set: hidden input h x l1
/// (parity (-1)^l1) times spherical harmonic Y_l2 (parity (-1)^l2) into hidden output h x l3, allowed when
/// |l1 - l2| &lt;= l3 &lt;= l1 + l2 (triangle) and (-1)^(l1+l2) = parity of l3.
/// </summary>
public static class TensorProductPaths
{
    /// <summary>All allowed paths, ordered by (l1, l2, l3).</summary>
    public static IReadOnlyList<TensorProductPath> For(LSet lset)
    {
        var hidden = lset.Orders.Select(Irrep.SphericalHarmonic).ToArray();
        var paths = new List<TensorProductPath>();
        foreach (var a in hidden)
            foreach (var y in hidden)
                foreach (var o in hidden)
                    if (Math.Abs(a.L - y.L) <= o.L && o.L <= a.L + y.L && Irrep.ProductParity(a, y) == o.Parity)
                        paths.Add(new TensorProductPath(a, y, o));
        return paths;
    }
}
