namespace EquiGrid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public class StudyAndSchedulerTests(ClusterFixture fixture)
{
    private static string NewId() => "s-" + Guid.NewGuid().ToString("N")[..8];
    private ISchedulerGrain Scheduler => fixture.Grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);

    /// <summary>Leases everything the scheduler hands out for <paramref name="studyId"/>, ignoring other tests' trials.</summary>
    private async Task<List<TrialLease>> LeaseAll(string studyId, NodeCapabilities node, int max)
    {
        var leases = new List<TrialLease>();
        for (int i = 0; i < max; i++)
        {
            var lease = await Scheduler.Lease(node);
            if (lease is null) break;
            if (lease.StudyId == studyId) leases.Add(lease);
            else await fixture.Grains.GetGrain<ITrialGrain>(lease.TrialId).Cancel();
        }
        return leases;
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails after two minutes (a bound for a loaded machine, not a
    /// timing check).
    /// </summary>
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within 2 min: {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Submit_creates_every_trial_and_resubmission_is_idempotent()
    {
        var id = NewId();
        var study = fixture.Grains.GetGrain<IStudyGrain>(id);
        var snap = await study.Submit(TestStudies.Grid(id));
        Assert.Equal(8, snap.Rows.Count);
        Assert.Equal(StudyStatus.Running, snap.Status);
        Assert.All(snap.Rows, r => Assert.Equal(TrialStatus.Queued, r.Status));
        var again = await study.Submit(TestStudies.Grid(id));
        Assert.Equal(snap.Rows.Select(r => r.TrialId), again.Rows.Select(r => r.TrialId));
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => study.Submit(TestStudies.Grid(id, seeds: 3)));
        Assert.Contains("already exists with 8 trials (the file gives 12)", e.Message);
        // A changed attempt budget is named as such (it was reported as "a different grid").
        e = await Assert.ThrowsAnyAsync<ArgumentException>(() => study.Submit(TestStudies.Grid(id, maxAttempts: 5)));
        Assert.Contains("already exists with max_attempts 3 (the file gives 5)", e.Message);
    }

    [Fact]
    public async Task Finished_trials_are_aggregated_into_the_study_table()
    {
        var id = NewId();
        var study = fixture.Grains.GetGrain<IStudyGrain>(id);
        int trackedBefore = (await Scheduler.GetSnapshot()).Tracked;
        await study.Submit(TestStudies.Grid(id, seeds: 1));
        Assert.Equal(trackedBefore + 4, (await Scheduler.GetSnapshot()).Tracked);
        var leases = await LeaseAll(id, TestStudies.Node("agg-node", gpu: "H100"), 50);
        Assert.Equal(4, leases.Count);
        double mae = 0.1;
        foreach (var l in leases)
            Assert.Equal(ReportAck.Accepted, await fixture.Grains.GetGrain<ITrialGrain>(l.TrialId).Complete(l.Attempt, TestStudies.Outcome(mae += 0.1) with { Utilisation = TestStudies.Utilisation(0.8) }));
        StudySnapshot snap = await study.GetSnapshot();
        Assert.Equal(StudyStatus.Completed, snap.Status);
        Assert.All(snap.Rows, r => Assert.NotNull(r.Result));
        Assert.Equal(new[] { 0.2, 0.3, 0.4, 0.5 }, snap.Rows.Select(r => Math.Round(r.Result!.TestMaeEv, 6)).Order());
        Assert.All(snap.Rows, r => Assert.Equal(0.8, r.Result!.Utilisation!.Blocks.Single(b => b.L == 0).VarianceShare));
        // The scheduler forgets finished trials (told one-way by each trial, so wait for the messages). Other tests'
        // trials may finish meanwhile (LeaseAll cancels the ones it meets), so the count may drop below.
        await Eventually(async () => (await Scheduler.GetSnapshot()).Tracked <= trackedBefore, "the scheduler forgot the finished trials");
    }

    [Fact]
    public async Task Cancel_keeps_finished_results_and_cancels_the_rest()
    {
        var id = NewId();
        var study = fixture.Grains.GetGrain<IStudyGrain>(id);
        await study.Submit(TestStudies.Grid(id, seeds: 1));
        var leases = await LeaseAll(id, TestStudies.Node("cancel-node", gpu: "H100"), 1);
        var done = leases.Single();
        await fixture.Grains.GetGrain<ITrialGrain>(done.TrialId).Complete(done.Attempt, TestStudies.Outcome(0.1));
        var snap = await study.Cancel();
        Assert.Equal(StudyStatus.Cancelled, snap.Status);
        Assert.Equal(TrialStatus.Completed, snap.Rows.Single(r => r.TrialId == done.TrialId).Status);
        Assert.Equal(3, snap.Count(TrialStatus.Cancelled));
        Assert.Empty(await LeaseAll(id, TestStudies.Node("cancel-node", gpu: "H100"), 10));
    }

    [Fact]
    public async Task Lapsed_leases_are_requeued_by_the_scheduler_scan()
    {
        var id = NewId();
        var study = fixture.Grains.GetGrain<IStudyGrain>(id);
        await study.Submit(TestStudies.Grid(id, seeds: 1) with { Axes = [new GridAxis("lset", ["0,1"]), new GridAxis("hidden", ["4"])] });
        var first = (await LeaseAll(id, TestStudies.Node("lapse-node"), 10)).Single();
        // No renewal: after the lease (2 s) the scan (every 0.5 s) puts it back; the next lease is attempt 2. Reads never
        // change a trial, so only the scan can requeue it (how soon after the expiry depends on the machine's load).
        var trial = fixture.Grains.GetGrain<ITrialGrain>(first.TrialId);
        await Eventually(async () => (await trial.GetSnapshot()).Status == TrialStatus.Queued, "the scan requeued the lapsed lease");
        Assert.True(DateTimeOffset.UtcNow > first.ExpiresAt, "requeued before its lease ran out");
        // The requeued trial tells the scheduler one-way: it is leasable once that message has arrived.
        TrialLease? second = null;
        await Eventually(async () => (second = (await LeaseAll(id, TestStudies.Node("lapse-node-2"), 10)).SingleOrDefault()) is not null, "the requeued trial was leased again");
        Assert.Equal(first.TrialId, second!.TrialId);
        Assert.Equal(2, second.Attempt);
    }

    [Fact]
    public async Task The_scheduler_holds_a_trial_back_during_its_infrastructure_backoff()
    {
        var id = NewId();
        await fixture.Grains.GetGrain<IStudyGrain>(id).Submit(TestStudies.Grid(id, seeds: 1) with { Axes = [new GridAxis("lset", ["0,1"]), new GridAxis("hidden", ["4"])] });
        var first = (await LeaseAll(id, TestStudies.Node("backoff-node"), 10)).Single();
        var trial = fixture.Grains.GetGrain<ITrialGrain>(first.TrialId);
        Assert.Equal(ReportAck.Accepted, await trial.Fail(first.Attempt, "runner killed (SIGKILL)", FailureKind.Infrastructure));
        // Four more interruptions, each leased from the scheduler once its backoff is over, push the backoff to 16 x
        // the base: long enough to observe.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        for (int i = 0; i < 4; i++)
        {
            TrialLease? lease;
            while ((lease = (await LeaseAll(id, TestStudies.Node("backoff-node"), 10)).SingleOrDefault()) is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "the trial was never leased again after its backoff");
                await Task.Delay(50);
            }
            await trial.Fail(lease.Attempt, "runner killed (SIGKILL)", FailureKind.Infrastructure);
        }
        var notBefore = (await trial.GetSnapshot()).NotBefore!.Value;
        var early = await LeaseAll(id, TestStudies.Node("backoff-node"), 10);
        // Handed out before its backoff ended: only decidable when the call returned before then (a stalled call that
        // returns later may have been served after it ended).
        Assert.True(early.Count == 0 || DateTimeOffset.UtcNow >= notBefore, $"leased during its backoff (until {notBefore:O})");
        TrialLease? after = early.SingleOrDefault();
        await Eventually(async () => (after ??= (await LeaseAll(id, TestStudies.Node("backoff-node"), 10)).SingleOrDefault()) is not null,
            "the trial was leased again after its backoff");
        Assert.Equal((first.TrialId, 6), (after!.TrialId, after.Attempt));
    }

    [Fact]
    public async Task A_restarted_node_releases_the_leases_of_its_previous_run_at_once()
    {
        var id = NewId();
        await fixture.Grains.GetGrain<IStudyGrain>(id).Submit(TestStudies.Grid(id, seeds: 1) with { Axes = [new GridAxis("lset", ["0,1"]), new GridAxis("hidden", ["4"])] });
        var node = "restart-node-" + id;
        var first = (await LeaseAll(id, TestStudies.Node(node), 10)).Single();
        Assert.Equal(1, await Scheduler.NodeStarted(node)); // the same node name starting again: its old attempt is gone
        var trial = fixture.Grains.GetGrain<ITrialGrain>(first.TrialId);
        var snap = await trial.GetSnapshot();
        Assert.Equal((TrialStatus.Queued, 1, null), (snap.Status, snap.InfrastructureFailures, snap.NotBefore));
        var second = (await LeaseAll(id, TestStudies.Node(node), 10)).Single(); // leasable now, not after the 2 s lease
        Assert.Equal(2, second.Attempt);
        Assert.Equal(0, await Scheduler.NodeStarted("another-node-" + id));
    }

    [Fact]
    public async Task Retry_requeues_the_failed_trials_of_a_study()
    {
        var id = NewId();
        var study = fixture.Grains.GetGrain<IStudyGrain>(id);
        await study.Submit(TestStudies.Grid(id, seeds: 1, maxAttempts: 1));
        var leases = await LeaseAll(id, TestStudies.Node("retry-node", gpu: "H100"), 50);
        Assert.Equal(4, leases.Count);
        var failed = leases[0];
        var trial = fixture.Grains.GetGrain<ITrialGrain>(failed.TrialId);
        await trial.CommitCheckpoint(failed.Attempt, new CheckpointRef(failed.TrialId, failed.Attempt, 12, "c/12", new string('0', 64), 10, DateTimeOffset.UtcNow));
        await trial.Fail(failed.Attempt, "trial runner exited with 1: boom");
        foreach (var l in leases.Skip(1)) await fixture.Grains.GetGrain<ITrialGrain>(l.TrialId).Complete(l.Attempt, TestStudies.Outcome(0.1));
        Assert.Equal(StudyStatus.CompletedWithFailures, (await study.GetSnapshot()).Status);

        var unknown = await Assert.ThrowsAnyAsync<ArgumentException>(() => study.Retry("no-such-trial"));
        Assert.Contains("not in study", unknown.Message);
        var completed = await Assert.ThrowsAnyAsync<ArgumentException>(() => study.Retry(leases[1].TrialId.Split('/')[1]));
        Assert.Contains("only failed trials", completed.Message);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => fixture.Grains.GetGrain<IStudyGrain>(NewId()).Retry());

        Assert.Equal([failed.TrialId], await study.Retry());
        var snap = await study.GetSnapshot();
        Assert.Equal(StudyStatus.Running, snap.Status);
        Assert.Equal(TrialStatus.Queued, snap.Rows.Single(r => r.TrialId == failed.TrialId).Status);
        Assert.Empty(await study.Retry()); // nothing failed any more
        var again = (await LeaseAll(id, TestStudies.Node("retry-node", gpu: "H100"), 10)).Single();
        Assert.Equal((failed.TrialId, 2, 12L), (again.TrialId, again.Attempt, again.Checkpoints[0].Step));
        await trial.Complete(again.Attempt, TestStudies.Outcome(0.2));
        Assert.Equal(StudyStatus.Completed, (await study.GetSnapshot()).Status);
    }

    [Fact]
    public async Task Reading_a_study_never_writes_its_state()
    {
        var id = NewId();
        var study = fixture.Grains.GetGrain<IStudyGrain>(id);
        await study.Submit(TestStudies.Grid(id, seeds: 1));
        var leases = await LeaseAll(id, TestStudies.Node("read-node", gpu: "H100"), 50);
        await fixture.Grains.GetGrain<ITrialGrain>(leases[0].TrialId).ReportProgress(leases[0].Attempt, new TrainingProgress { Epoch = 0, Step = 3, TotalSteps = 10, TrainLoss = 0.5, MoleculesPerSecond = 100 });
        var file = Directory.GetFiles(Path.Combine(ClusterFixture.StateDir, "study"), $"*{id}*.state").Single();
        var before = await File.ReadAllBytesAsync(file);
        for (int i = 0; i < 3; i++)
        {
            var snap = await study.GetSnapshot();
            Assert.Equal(TrialStatus.Running, snap.Rows.Single(r => r.TrialId == leases[0].TrialId).Status); // reads show the trials' state...
            Assert.Equal(4, (await study.GetTrials()).Count(t => t.Status.IsHeld()));
        }
        // ...without writing it: before, every read that saw a trial move on rewrote the study (and failed with storage down).
        Assert.Equal(before, await File.ReadAllBytesAsync(file));
        foreach (var l in leases) await fixture.Grains.GetGrain<ITrialGrain>(l.TrialId).Complete(l.Attempt, TestStudies.Outcome(0.1));
        Assert.Equal(StudyStatus.Completed, (await study.GetSnapshot()).Status);
    }

    [Fact]
    public async Task Higher_priority_studies_are_served_first_and_large_trials_wait_for_gpu_nodes()
    {
        var low = NewId(); var high = NewId();
        await fixture.Grains.GetGrain<IStudyGrain>(low).Submit(TestStudies.Grid(low, seeds: 1) with { Priority = 500 });
        await fixture.Grains.GetGrain<IStudyGrain>(high).Submit(TestStudies.Grid(high, seeds: 1) with { Priority = 900 });
        // A GPU node is alive, so the CPU node gets no large (L up to 6, h=32) trial.
        await fixture.Grains.GetGrain<INodeGrain>("prio-gpu").Heartbeat(TestStudies.Node("prio-gpu", gpu: "H100"), []);
        var cpu = TestStudies.Node("prio-cpu", memoryGb: 64);
        var first = await Scheduler.Lease(cpu);
        Assert.NotNull(first);
        Assert.Equal(high, first.StudyId);
        var gpuLease = await Scheduler.Lease(TestStudies.Node("prio-gpu", gpu: "H100"));
        Assert.NotNull(gpuLease);
        Assert.StartsWith("0,3,4,5,6", gpuLease.Config.LSet); // the GPU node takes a large trial first
        await fixture.Grains.GetGrain<IStudyGrain>(low).Cancel();
        await fixture.Grains.GetGrain<IStudyGrain>(high).Cancel();
    }

    [Fact]
    public async Task Equal_priority_studies_share_the_scheduler_and_a_requeued_trial_comes_first()
    {
        var a = "a-" + NewId(); var b = "b-" + NewId();
        foreach (var id in new[] { a, b })
            await fixture.Grains.GetGrain<IStudyGrain>(id).Submit(TestStudies.Grid(id, seeds: 1) with { Priority = 800, Axes = [new GridAxis("seed", ["1", "2", "3"])] });
        var node = TestStudies.Node("share-node");
        // Leases held (running): the study with fewer running trials goes next, so they alternate.
        var held = new List<TrialLease>();
        while (held.Count < 4 && await Scheduler.Lease(node) is { } lease)
        {
            if (lease.StudyId == a || lease.StudyId == b) held.Add(lease);
            else await fixture.Grains.GetGrain<ITrialGrain>(lease.TrialId).Cancel();
        }
        Assert.Equal([a, b, a, b], held.Select(l => l.StudyId));
        // A failed attempt goes back to the front of its study's queue (it may resume from a checkpoint).
        var failed = held[2];
        Assert.Equal(ReportAck.Accepted, await fixture.Grains.GetGrain<ITrialGrain>(failed.TrialId).Fail(failed.Attempt, "test failure"));
        TrialLease? again = null;
        // The trial tells the scheduler one-way: lease until the message has arrived.
        await Eventually(async () => (again = await Scheduler.Lease(node)) is not null, "the failed trial was queued again");
        Assert.Equal(failed.TrialId, again!.TrialId);
        Assert.Equal(2, again.Attempt);
        await fixture.Grains.GetGrain<IStudyGrain>(a).Cancel();
        await fixture.Grains.GetGrain<IStudyGrain>(b).Cancel();
    }

    [Fact]
    public async Task Calls_without_the_cluster_token_are_rejected()
    {
        RequestContext.Set("test-no-token", "1");
        try
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Grains.GetGrain<IStudyGrain>(NewId()).GetSnapshot());
            Assert.Contains("cluster token", e.Message);
        }
        finally
        {
            RequestContext.Remove("test-no-token");
        }
    }
}
