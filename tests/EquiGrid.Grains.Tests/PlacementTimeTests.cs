using EquiGrid.Grains.Scheduling;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// Placement by estimated time: a long trial is left to a free node that would train it much sooner, by the nodes'
/// measured reference rates; short trials, nodes of similar speed and unknown rates never make a node wait.
/// </summary>
public class PlacementTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A node whose CPU (and GPU, when given) trains the reference trial at the given rates.</summary>
    private static NodeCapabilities Node(string name, double cpuRate, double gpuRate = 0, string? gpu = null) =>
        TestStudies.Node(name, gpu: gpu) with
        {
            Accelerators =
            [
                new AcceleratorInfo { Name = "cpu", Kind = AcceleratorKind.Cpu, MemoryBytes = 64L << 30, ReferenceMoleculesPerSecond = cpuRate },
                .. gpu is null ? Array.Empty<AcceleratorInfo>() :
                    [new AcceleratorInfo { Name = gpu, Kind = AcceleratorKind.Gpu, MemoryBytes = 80L << 30, ReferenceMoleculesPerSecond = gpuRate }],
            ],
        };

    /// <summary>Needs of a trial of <paramref name="work"/> reference molecules (1 GiB, not GPU-first).</summary>
    private static PlacementNeeds Trial(double work, TrialDevice device = TrialDevice.Auto) => new(1L << 30, GpuFirst: false, device, work);

    private static PlacementView View(IReadOnlyList<NodeCapabilities> live, params string[] busy) =>
        new(live, name => busy.Contains(name) ? 1 : 0);

    [Fact]
    public void The_rate_is_the_accelerator_the_trial_would_use_and_zero_when_unknown()
    {
        var gpuNode = Node("g", cpuRate: 10, gpuRate: 2000, gpu: "H100");
        Assert.Equal(2000, Placement.ReferenceRate(gpuNode));
        Assert.Equal(10, Placement.ReferenceRate(gpuNode, TrialDevice.Cpu));
        Assert.Equal(0, Placement.ReferenceRate(TestStudies.Node("unmeasured")));
        Assert.Equal(500.0, Placement.EstimatedSeconds(Trial(1_000_000), gpuNode));
        Assert.Null(Placement.EstimatedSeconds(Trial(1_000_000), TestStudies.Node("unmeasured")));
    }

    [Fact]
    public void A_slow_node_leaves_a_long_trial_to_a_free_node_that_trains_it_much_sooner()
    {
        var slow = Node("slow", cpuRate: 10);
        var fast = Node("fast", cpuRate: 100);
        var longTrial = Trial(100_000); // 10,000 s on the slow node, 1,000 s on the fast one
        Assert.False(Placement.Allows(longTrial, slow, View([slow, fast])));
        Assert.True(Placement.Allows(longTrial, fast, View([slow, fast])));
        // The fast node busy: the slow one takes the work rather than idle.
        Assert.True(Placement.Allows(longTrial, slow, View([slow, fast], busy: "fast")));
        // A device: cpu trial on a GPU node is timed by that node's CPU.
        var gpuNode = Node("g", cpuRate: 12, gpuRate: 2000, gpu: "H100");
        Assert.False(Placement.Allows(longTrial, slow, View([slow, gpuNode])));
        Assert.True(Placement.Allows(Trial(100_000, TrialDevice.Cpu), slow, View([slow, gpuNode])));
    }

    [Fact]
    public void Short_trials_similar_speeds_and_unknown_rates_never_make_a_node_wait()
    {
        var slow = Node("slow", cpuRate: 10);
        var fast = Node("fast", cpuRate: 100);
        Assert.True(Placement.Allows(Trial(5_000), slow, View([slow, fast]))); // 500 s here: start now
        var similar = Node("similar", cpuRate: 25); // 2.5x: within what a few measured steps can tell apart
        Assert.True(Placement.Allows(Trial(100_000), slow, View([slow, similar])));
        var unmeasured = TestStudies.Node("unmeasured");
        Assert.True(Placement.Allows(Trial(100_000), slow, View([slow, unmeasured])));
        Assert.True(Placement.Allows(Trial(100_000), unmeasured, View([unmeasured, fast])));
        var tooSmall = Node("fast-small", cpuRate: 100) with { MemoryBytes = 512L << 20 }; // the trial does not fit it
        Assert.True(Placement.Allows(Trial(100_000), slow, View([slow, tooSmall])));
    }

    [Fact]
    public void The_scheduler_gives_a_slow_node_the_short_trials_and_keeps_the_long_one_for_the_fast_node()
    {
        var index = new DispatchIndex();
        index.SetStudy("s", 0);
        var ticket = new TrialTicket("s", 1L << 30, Large: false) { RelativeCost = 1 };
        index.Add("s/long", ticket with { MoleculesSeen = 100_000 });
        index.Add("s/short1", ticket with { MoleculesSeen = 2_000 });
        index.Add("s/short2", ticket with { MoleculesSeen = 2_000 });
        var slow = Node("slow", cpuRate: 10);
        var fast = Node("fast", cpuRate: 100);
        var view = new PlacementView([slow, fast], index.LeasesOn);

        var first = index.Pick(slow, view, Now);
        Assert.Equal("s/short1", first); // queue order would give it the long trial
        index.RecordLease(first!, new LeaseRecord("s", "slow", 1, Now.AddMinutes(1)), granted: true);
        Assert.Equal("s/long", index.Pick(fast, view, Now));
    }
}
