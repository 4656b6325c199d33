namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// Placement rules, kept pure so they are testable without a cluster:
/// a trial goes to a node whose memory (GPU memory on a GPU node) holds its estimate; large trials are kept for GPU
/// nodes while any GPU node is alive; a trial larger than every live node may go anywhere (better slow than never).
/// </summary>
public static class Placement
{
    /// <summary>Memory a node offers a trial.</summary>
    public static long Capacity(NodeCapabilities node) => node.HasGpu ? node.GpuMemoryBytes : node.MemoryBytes;

    /// <summary>True when <paramref name="ticket"/> may run on <paramref name="node"/>.</summary>
    /// <param name="ticket">The trial.</param>
    /// <param name="node">The node asking for work.</param>
    /// <param name="liveNodes">Every node alive now (including <paramref name="node"/>).</param>
    public static bool Fits(TrialTicket ticket, NodeCapabilities node, IReadOnlyCollection<NodeCapabilities> liveNodes)
    {
        bool anyGpu = liveNodes.Any(n => n.HasGpu);
        if (ticket.Large && anyGpu && !node.HasGpu) return false;
        if (ticket.MemoryBytes <= Capacity(node) || node.MemoryBytes == 0) return true;
        // Nothing fits it: let the node with the most memory take it rather than starving the trial.
        long largest = liveNodes.Select(Capacity).DefaultIfEmpty(0).Max();
        return ticket.MemoryBytes > largest && Capacity(node) >= largest;
    }
}
