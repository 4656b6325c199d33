using EquiGrid.Grains.Scheduling;

namespace EquiGrid.Grains.Tests;

/// <summary>The scheduler's dispatch order, on the in-memory index alone: priority, fair share, re-queue, GPU first.</summary>
public class DispatchIndexTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TrialTicket Small = new("?", 1L << 30, Large: false);
    private static readonly TrialTicket Heavy = new("?", 1L << 30, Large: true);

    private static DispatchIndex Index(params (string Study, int Priority, int Trials, TrialTicket Ticket)[] studies)
    {
        var index = new DispatchIndex();
        foreach (var (study, priority, trials, ticket) in studies)
        {
            index.SetStudy(study, priority);
            for (int i = 0; i < trials; i++) index.Add($"{study}/t{i}", ticket with { StudyId = study });
        }
        return index;
    }

    private static PlacementView View(DispatchIndex index, params NodeCapabilities[] live) => new(live, index.LeasesOn);

    /// <summary>Picks and leases (held: running) <paramref name="count"/> trials for <paramref name="node"/>.</summary>
    private static List<string> LeaseHeld(DispatchIndex index, NodeCapabilities node, int count, params NodeCapabilities[] live)
    {
        var got = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var id = index.Pick(node, View(index, live.Length > 0 ? live : [node]), Now);
            if (id is null) break;
            index.RecordLease(id, new LeaseRecord(id.Split('/')[0], node.Name, 1, Now.AddMinutes(1)), granted: true);
            got.Add(id);
        }
        return got;
    }

    private static string StudyOf(string trialId) => trialId.Split('/')[0];

    [Fact]
    public void Higher_priority_studies_are_drained_first()
    {
        var index = Index(("low", 1, 3, Small), ("high", 5, 3, Small));
        var order = LeaseHeld(index, TestStudies.Node("n"), 6).Select(StudyOf).ToList();
        Assert.Equal(["high", "high", "high", "low", "low", "low"], order);
    }

    [Fact]
    public void Equal_priorities_share_by_running_trials_then_least_recently_served()
    {
        // Held leases: the study with fewer running trials goes next, so the cluster is shared evenly.
        var index = Index(("a", 0, 4, Small), ("b", 0, 4, Small), ("c", 0, 1, Small));
        var held = LeaseHeld(index, TestStudies.Node("n"), 7).Select(StudyOf).ToList();
        Assert.Equal(["a", "b", "c", "a", "b", "a", "b"], held);

        // Trials that finish at once: running counts stay at zero and the least recently served study goes next.
        var quick = Index(("a", 0, 3, Small), ("b", 0, 3, Small));
        var order = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            var id = quick.Pick(TestStudies.Node("n"), View(quick, TestStudies.Node("n")), Now)!;
            quick.RecordLease(id, new LeaseRecord(StudyOf(id), "n", 1, Now.AddMinutes(1)), granted: true);
            quick.Finished(id);
            order.Add(StudyOf(id));
        }
        Assert.Equal(["a", "b", "a", "b", "a", "b"], order);
        Assert.Equal(0, quick.Tracked);
        Assert.Equal(6, quick.Dispatched);
    }

    [Fact]
    public void A_requeued_trial_goes_to_the_front_of_its_study_and_trials_keep_enqueue_order()
    {
        var index = Index(("s", 0, 5, Small));
        var node = TestStudies.Node("n");
        var first = LeaseHeld(index, node, 2);
        Assert.Equal(["s/t0", "s/t1"], first);
        index.Requeued("s/t1");
        index.Requeued("s/t0");
        Assert.Equal(["s/t0", "s/t1", "s/t2", "s/t3", "s/t4"], LeaseHeld(index, node, 5));
        // An unanswered lease request puts the trial back in front too.
        var fresh = Index(("s", 0, 3, Small));
        var picked = fresh.Pick(node, View(fresh, node), Now)!;
        fresh.Unpick(picked);
        Assert.Equal(picked, fresh.Pick(node, View(fresh, node), Now));
    }

    [Fact]
    public void Trials_restored_out_of_order_are_dispatched_in_enqueue_order()
    {
        var index = new DispatchIndex();
        index.SetStudy("s", 0);
        foreach (var seq in new long[] { 3, 0, 2, 1 }) index.Add($"s/t{seq}", Small with { StudyId = "s" }, seq);
        Assert.Equal(["s/t0", "s/t1", "s/t2", "s/t3"], LeaseHeld(index, TestStudies.Node("n"), 4));
        Assert.Equal(4, index.NextSequence());
    }

    [Fact]
    public void A_gpu_node_takes_gpu_first_trials_of_any_study_before_small_ones()
    {
        var index = Index(("high", 9, 2, Small), ("low", 1, 2, Heavy));
        var gpu = TestStudies.Node("gpu", gpu: "H100");
        Assert.Equal(["low/t0", "low/t1", "high/t0", "high/t1"], LeaseHeld(index, gpu, 4));
    }

    [Fact]
    public void A_gpu_node_takes_the_gpu_first_trial_with_the_most_estimated_work_first()
    {
        var index = new DispatchIndex();
        index.SetStudy("s", 0);
        index.Add("s/short", Heavy with { StudyId = "s", RelativeCost = 20, MoleculesSeen = 1000 });
        index.Add("s/long", Heavy with { StudyId = "s", RelativeCost = 20, MoleculesSeen = 9000 });
        index.Add("s/small", Small with { StudyId = "s", RelativeCost = 1, MoleculesSeen = 100_000 });
        var gpu = TestStudies.Node("gpu", gpu: "H100");
        Assert.Equal(["s/long", "s/short", "s/small"], LeaseHeld(index, gpu, 3));
        // A CPU node keeps queue order.
        var cpuIndex = new DispatchIndex();
        cpuIndex.SetStudy("s", 0);
        cpuIndex.Add("s/short", Heavy with { StudyId = "s", RelativeCost = 20, MoleculesSeen = 1000 });
        cpuIndex.Add("s/long", Heavy with { StudyId = "s", RelativeCost = 20, MoleculesSeen = 9000 });
        Assert.Equal(["s/short", "s/long"], LeaseHeld(cpuIndex, TestStudies.Node("cpu"), 2));
    }

    [Fact]
    public void Cpu_nodes_take_gpu_first_trials_only_while_every_gpu_node_is_busy()
    {
        var index = Index(("s", 0, 3, Heavy));
        var gpu = TestStudies.Node("gpu", gpu: "H100");
        var cpu = TestStudies.Node("cpu", memoryGb: 64);
        Assert.Empty(LeaseHeld(index, cpu, 1, cpu, gpu)); // the GPU node is idle: leave it the work
        Assert.Single(LeaseHeld(index, gpu, 1, cpu, gpu));
        Assert.Equal(["s/t1", "s/t2"], LeaseHeld(index, cpu, 2, cpu, gpu)); // its one slot is taken
        // The GPU node's trial finishes: the next GPU-first trial waits for it again.
        index.Finished("s/t0");
        index.Add("s/t3", Heavy with { StudyId = "s" });
        Assert.Empty(LeaseHeld(index, cpu, 1, cpu, gpu));
    }

    [Fact]
    public void A_trial_that_fits_no_node_is_never_leased_and_does_not_block_others()
    {
        var index = new DispatchIndex();
        index.SetStudy("s", 0);
        index.Add("s/huge", new TrialTicket("s", 500L << 30, Large: true));
        index.Add("s/small", Small with { StudyId = "s" });
        var cpu = TestStudies.Node("cpu", memoryGb: 64);
        Assert.Equal(["s/small"], LeaseHeld(index, cpu, 2));
        Assert.Equal(1, index.Pending);
        Assert.Equal(1, index.PendingWhere(needs => !Placement.FitsAnyNode(needs, [cpu])));
    }

    [Fact]
    public void Cancelled_studies_drop_queued_trials_and_backing_off_trials_wait_their_turn()
    {
        var index = Index(("a", 0, 2, Small), ("b", 0, 2, Small));
        var node = TestStudies.Node("n");
        Assert.Equal(["a/t0", "a/t1"], index.Cancel("a").Order());
        Assert.Equal(["b/t0"], LeaseHeld(index, node, 1));
        index.Requeued("b/t0", notBefore: Now.AddSeconds(30));
        Assert.Equal(1, index.Delayed);
        Assert.Equal("b/t1", index.Pick(node, View(index, node), Now));
        Assert.Null(index.Pick(node, View(index, node), Now.AddSeconds(29)));
        // A longer backoff reported later (the trial failed again) replaces the first.
        index.Requeued("b/t0", notBefore: Now.AddSeconds(60));
        Assert.Null(index.Pick(node, View(index, node), Now.AddSeconds(30)));
        Assert.Equal("b/t0", index.Pick(node, View(index, node), Now.AddSeconds(60)));
    }
}
