namespace EquiGrid.Kernels;

/// <summary>Multiplies and adds (subtractions included) of one straight-line evaluation.</summary>
public readonly record struct OperationCount(int Multiplies, int Adds)
{
    /// <summary>Multiplies plus adds.</summary>
    public int Total => Multiplies + Adds;

    /// <summary>Sum of two counts.</summary>
    public static OperationCount operator +(OperationCount a, OperationCount b) => new(a.Multiplies + b.Multiplies, a.Adds + b.Adds);
}

/// <summary>Operation counts of order l for one vector (normalisation of the input and output scaling excluded).</summary>
/// <param name="L">The order.</param>
/// <param name="DirectForward">The generated direct polynomial of order l alone, unit-sphere form (normalised input).</param>
/// <param name="DirectForwardHomogeneous">The homogeneous form (normalizeInput = false).</param>
/// <param name="DirectBackward">The generated vector-Jacobian product, unit-sphere form (before the r/|r| chain rule).</param>
/// <param name="DirectBackwardHomogeneous">The generated vector-Jacobian product, homogeneous form.</param>
/// <param name="RecursiveForward">The associated-Legendre recurrence needed to reach order l (every order below it), plus
/// the order-l outputs: what <see cref="RecursiveSphericalHarmonics"/> does.</param>
public sealed record ShOrderOpCounts(int L, OperationCount DirectForward, OperationCount DirectForwardHomogeneous,
    OperationCount DirectBackward, OperationCount DirectBackwardHomogeneous, OperationCount RecursiveForward);

/// <summary>
/// Per-order operation counts, direct vs recursive (the study's Fig. 3). The numbers are not written by hand: the
/// generator counts the nodes of the expression graphs it emits (after sharing common subexpressions and folding
/// constants) and of the same-style graph of the recurrence, and writes them into ShPolynomials.g.cs.
/// </summary>
public static class ShOpCounts
{
    /// <summary>Counts for order <paramref name="l"/> (0..10).</summary>
    public static ShOrderOpCounts ForOrder(int l)
    {
        if (l < 0 || l > Irrep.MaxL) throw new ArgumentOutOfRangeException(nameof(l), l, $"order must be in 0..{Irrep.MaxL}");
        return new ShOrderOpCounts(l,
            new(ShOpCountData.UnitForwardMultiplies[l], ShOpCountData.UnitForwardAdds[l]),
            new(ShOpCountData.HomogeneousForwardMultiplies[l], ShOpCountData.HomogeneousForwardAdds[l]),
            new(ShOpCountData.UnitVjpMultiplies[l], ShOpCountData.UnitVjpAdds[l]),
            new(ShOpCountData.HomogeneousVjpMultiplies[l], ShOpCountData.HomogeneousVjpAdds[l]),
            new(ShOpCountData.RecursiveForwardMultiplies[l], ShOpCountData.RecursiveForwardAdds[l]));
    }

    /// <summary>Counts for every order 0..10.</summary>
    public static IReadOnlyList<ShOrderOpCounts> All() => Enumerable.Range(0, Irrep.MaxL + 1).Select(ForOrder).ToArray();

    /// <summary>Direct forward cost of an L-set: the sum over its orders (an L-set costs only what it contains).</summary>
    public static OperationCount DirectForward(LSet lset)
    {
        ArgumentNullException.ThrowIfNull(lset);
        return lset.Orders.Aggregate(default(OperationCount), (sum, l) => sum + ForOrder(l).DirectForward);
    }
}
