namespace EquiGrid.Kernels;

/// <summary>
/// The edges of a graph (source and target node per edge) with the two orderings the fused edge kernel needs: edges
/// grouped by target node (to sum messages into each node without races) and grouped by source node (to sum the
/// node-feature gradient). Both groupings are stable, so every node's sum runs over its edges in edge order: the
/// result does not depend on how the work is split over threads.
/// </summary>
public sealed class EdgeIndex
{
    /// <summary>Builds the index; every index must lie in [0, <paramref name="nodeCount"/>).</summary>
    /// <exception cref="ArgumentException">Lengths differ or an index is out of range (the message names the edge).</exception>
    public EdgeIndex(int[] source, int[] target, int nodeCount)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Length != target.Length)
            throw new ArgumentException($"source has {source.Length} edges but target has {target.Length}: give one source and one target per edge", nameof(target));
        if (nodeCount < 0) throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount, "node count must be >= 0");
        for (int e = 0; e < source.Length; e++)
            if ((uint)source[e] >= (uint)nodeCount || (uint)target[e] >= (uint)nodeCount)
                throw new ArgumentException($"edge {e} ({source[e]} -> {target[e]}) refers to a node outside 0..{nodeCount - 1}", nameof(source));
        Source = source;
        Target = target;
        NodeCount = nodeCount;
        (ByTarget, TargetStart) = GroupBy(target, nodeCount);
        (BySource, SourceStart) = GroupBy(source, nodeCount);
    }

    /// <summary>Source node of every edge (messages are read from it).</summary>
    public int[] Source { get; }

    /// <summary>Target node of every edge (messages are summed into it).</summary>
    public int[] Target { get; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Number of edges.</summary>
    public int EdgeCount => Source.Length;

    /// <summary>Edge ids grouped by target node, in edge order within a node.</summary>
    internal int[] ByTarget { get; }

    /// <summary>ByTarget[TargetStart[n] .. TargetStart[n + 1]) are the edges into node n.</summary>
    internal int[] TargetStart { get; }

    /// <summary>Edge ids grouped by source node, in edge order within a node.</summary>
    internal int[] BySource { get; }

    /// <summary>BySource[SourceStart[n] .. SourceStart[n + 1]) are the edges out of node n.</summary>
    internal int[] SourceStart { get; }

    // Counting sort: stable, O(edges + nodes).
    private static (int[] Order, int[] Start) GroupBy(int[] node, int nodeCount)
    {
        var start = new int[nodeCount + 1];
        foreach (int n in node) start[n + 1]++;
        for (int n = 0; n < nodeCount; n++) start[n + 1] += start[n];
        var next = (int[])start.Clone();
        var order = new int[node.Length];
        for (int e = 0; e < node.Length; e++) order[next[node[e]]++] = e;
        return (order, start);
    }
}
