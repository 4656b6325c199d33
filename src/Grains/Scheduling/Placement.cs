namespace EquiGrid.Grains.Scheduling;

/// <summary>What placement needs to know of a queued trial; trials with equal needs are interchangeable for fit.</summary>
/// <param name="MemoryBytes">Estimated peak memory.</param>
/// <param name="GpuFirst">Large in memory or work: GPU nodes take it first, CPU nodes only while every GPU node it fits is busy.</param>
/// <param name="Device">The device the trial asked for.</param>
/// <param name="Work">
/// Estimated work in reference molecules (molecules trained x relative work per molecule): the trial's time on an
/// accelerator is Work / its reference molecules/s. GPU nodes take the GPU-first trial with the most work first.
/// </param>
public readonly record struct PlacementNeeds(long MemoryBytes, bool GpuFirst, TrialDevice Device, double Work = 0);

/// <summary>The cluster as placement sees it at one lease: the live nodes and how many leases each holds.</summary>
/// <param name="Live">Nodes heard from recently (including the one asking).</param>
/// <param name="LeasesOn">Leases a node holds now, by node name.</param>
public sealed record PlacementView(IReadOnlyList<NodeCapabilities> Live, Func<string, int> LeasesOn)
{
    /// <summary>True when the node has a free slot.</summary>
    public bool HasFreeSlot(NodeCapabilities node) => LeasesOn(node.Name) < Math.Max(1, node.Slots);
}

/// <summary>
/// Placement rules, kept pure so they are testable without a cluster: a trial never goes to a node whose memory
/// (GPU memory when it would train on the node's GPU) does not hold its estimate; a trial that asked for a GPU goes
/// to GPU nodes only; GPU-first trials (large L-sets and widths) wait for a GPU node while one that fits them has a
/// free slot, and CPU nodes take them when every such GPU node is busy. Time: a long trial (estimated at least
/// <see cref="MinimumDeferSeconds"/> on the asking node) is left to a node with a free slot that would train it at
/// least <see cref="FasterFactor"/> times sooner, by the accelerators' measured reference rates; a node whose rate is
/// not known yet never defers and is never deferred to.
/// </summary>
public static class Placement
{
    /// <summary>
    /// How much sooner another free node must finish a trial for the asking node to leave it: well above the spread of
    /// a rate measured in a few steps, so nodes of similar speed never wait for each other.
    /// </summary>
    public const double FasterFactor = 3.0;

    /// <summary>
    /// Trials estimated shorter than this on the asking node start there at once: waiting for a faster node can only
    /// save a few minutes, and a rate measured in a few steps is not precise enough to justify idling.
    /// </summary>
    public const double MinimumDeferSeconds = 600;

    /// <summary>
    /// The node's measured reference rate (molecules/s of the reference trial) on the accelerator a trial on
    /// <paramref name="device"/> would train on there: its fastest GPU when it has one and the trial may use it, else
    /// its CPU; 0 when not known (not measured yet, or no such accelerator reported).
    /// </summary>
    public static double ReferenceRate(NodeCapabilities node, TrialDevice device = TrialDevice.Auto)
    {
        var kind = node.HasGpu && device != TrialDevice.Cpu ? AcceleratorKind.Gpu : AcceleratorKind.Cpu;
        double best = 0;
        foreach (var a in node.Accelerators)
            if (a.Kind == kind && a.ReferenceMoleculesPerSecond > best) best = a.ReferenceMoleculesPerSecond;
        return best;
    }

    /// <summary>Estimated training seconds of a trial on a node (<see cref="PlacementNeeds.Work"/> over the node's rate); null when unknown.</summary>
    public static double? EstimatedSeconds(PlacementNeeds needs, NodeCapabilities node) =>
        needs.Work > 0 ? TrialResourceEstimate.SecondsAt(needs.Work, ReferenceRate(node, needs.Device)) : null;

    /// <summary>Memory a node offers a trial that trains on <paramref name="device"/> there.</summary>
    public static long Capacity(NodeCapabilities node, TrialDevice device = TrialDevice.Auto) =>
        node.HasGpu && device != TrialDevice.Cpu ? node.GpuMemoryBytes : node.MemoryBytes;

    /// <summary>True when the node can run the trial at all: device and memory.</summary>
    public static bool Fits(PlacementNeeds needs, NodeCapabilities node) =>
        (needs.Device != TrialDevice.Gpu || node.HasGpu) && needs.MemoryBytes <= Capacity(node, needs.Device);

    /// <summary>True when <paramref name="node"/> may take a trial with <paramref name="needs"/> now.</summary>
    public static bool Allows(PlacementNeeds needs, NodeCapabilities node, PlacementView view)
    {
        if (!Fits(needs, node)) return false;
        // A CPU node: leave a GPU-first trial to a GPU node that could take it now.
        if (!node.HasGpu && needs.GpuFirst && needs.Device != TrialDevice.Cpu && OthersFreeFor(needs, node, view).Any(n => n.HasGpu))
            return false;
        return !MuchSoonerElsewhere(needs, node, view);
    }

    /// <summary>The other live nodes that could take the trial now: it fits them and they have a free slot.</summary>
    private static IEnumerable<NodeCapabilities> OthersFreeFor(PlacementNeeds needs, NodeCapabilities node, PlacementView view) =>
        view.Live.Where(n => n.Name != node.Name && Fits(needs, n) && view.HasFreeSlot(n));

    /// <summary>True when a long trial would finish at least <see cref="FasterFactor"/> times sooner on another node that could take it now.</summary>
    private static bool MuchSoonerElsewhere(PlacementNeeds needs, NodeCapabilities node, PlacementView view) =>
        EstimatedSeconds(needs, node) is { } here && here >= MinimumDeferSeconds &&
        OthersFreeFor(needs, node, view).Any(n => EstimatedSeconds(needs, n) is { } there && there * FasterFactor <= here);

    /// <summary>True when some live node could ever run the trial (false: it waits for a bigger node).</summary>
    public static bool FitsAnyNode(PlacementNeeds needs, IEnumerable<NodeCapabilities> live) => live.Any(n => Fits(needs, n));
}
