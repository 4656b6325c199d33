namespace EquiGrid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public class TrialGrainTests(ClusterFixture fixture)
{
    private static readonly TrialSpec Config = new() { LSet = "0,1,2", Hidden = 8, Epochs = 2, Seed = 5 };
    private static readonly TrainingProgress Progress = new() { Epoch = 0, Step = 10, TotalSteps = 100, TrainLoss = 0.5, MoleculesPerSecond = 120 };

    private async Task<ITrialGrain> NewTrial(int maxAttempts = 3)
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..8];
        var trial = fixture.Grains.GetGrain<ITrialGrain>($"{id}/{Config.Name}");
        await trial.Initialize(id, Config, maxAttempts);
        return trial;
    }

    /// <summary>Waits until the clock is past <paramref name="moment"/> (a lease's expiry as the grain set it).</summary>
    private static async Task WaitPast(DateTimeOffset moment)
    {
        while (DateTimeOffset.UtcNow <= moment) await Task.Delay(moment - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));
    }

    private static CheckpointRef Ckpt(int attempt, long step) =>
        new("s/t", attempt, step, $"a{attempt}/s{step}", new string('0', 64), 100, DateTimeOffset.UtcNow);

    [Fact]
    public async Task Walks_queued_leased_running_checkpointed_completed()
    {
        var trial = await NewTrial();
        Assert.Equal(TrialStatus.Queued, (await trial.GetSnapshot()).Status);
        var lease = await trial.TryLease("n1", TimeSpan.FromMinutes(1));
        Assert.NotNull(lease);
        Assert.Equal(1, lease.Attempt);
        Assert.Null(await trial.TryLease("n2", TimeSpan.FromMinutes(1))); // one lease at a time
        Assert.Equal(TrialStatus.Leased, (await trial.GetSnapshot()).Status);
        Assert.Equal(ReportAck.Accepted, await trial.ReportProgress(1, Progress));
        Assert.Equal(TrialStatus.Running, (await trial.GetSnapshot()).Status);
        Assert.Equal(ReportAck.Accepted, await trial.CommitCheckpoint(1, Ckpt(1, 10)));
        var snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Checkpointed, snap.Status);
        Assert.Equal(10, snap.LatestCheckpoint!.Step);
        Assert.Equal(ReportAck.Accepted, await trial.ReportProgress(1, Progress with { Epoch = 0, Step = 50, EpochEnd = true, ValLoss = 0.4, EpochSeconds = 3 }));
        Assert.Equal(ReportAck.Accepted, await trial.Complete(1, TestStudies.Outcome(0.1)));
        snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Completed, snap.Status);
        Assert.Equal(0.1, snap.Outcome!.TestMaeEv);
        Assert.Single(snap.History);
    }

    [Fact]
    public async Task Completion_is_idempotent_for_the_same_attempt_and_refused_for_others()
    {
        var trial = await NewTrial();
        var lease = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(ReportAck.Accepted, await trial.Complete(lease.Attempt, TestStudies.Outcome(0.2)));
        Assert.Equal(ReportAck.Accepted, await trial.Complete(lease.Attempt, TestStudies.Outcome(0.9))); // retry of the same completion
        Assert.Equal(0.2, (await trial.GetSnapshot()).Outcome!.TestMaeEv); // the first result stands
        Assert.Equal(ReportAck.AlreadyFinished, await trial.Complete(lease.Attempt + 1, TestStudies.Outcome(0.3)));
        Assert.Equal(ReportAck.AlreadyFinished, await trial.ReportProgress(lease.Attempt, Progress));
    }

    [Fact]
    public async Task Reports_from_a_lapsed_lease_are_fenced_and_the_next_attempt_resumes_from_its_checkpoint()
    {
        var trial = await NewTrial();
        // A lease long enough for the commit below even when a loaded 2-core machine stalls this process for seconds,
        // then waited out to its expiry as the grain set it (a fixed pause after a short lease raced the commit).
        var first = (await trial.TryLease("n1", TimeSpan.FromSeconds(5)))!;
        Assert.Equal(ReportAck.Accepted, await trial.CommitCheckpoint(first.Attempt, Ckpt(first.Attempt, 40)));
        await WaitPast(first.ExpiresAt);
        Assert.Equal(ReportAck.Stale, await trial.ReportProgress(first.Attempt, Progress)); // expired lease
        Assert.Equal(TrialStatus.Queued, (await trial.GetSnapshot()).Status);
        var second = (await trial.TryLease("n2", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(first.Attempt + 1, second.Attempt);
        Assert.Equal(40, second.Checkpoints[0].Step); // resume point travels with the lease
        // The old attempt wakes up and tries to finish: refused (older fencing token), the new one is untouched.
        Assert.Equal(ReportAck.Stale, await trial.Complete(first.Attempt, TestStudies.Outcome(9)));
        Assert.Equal(ReportAck.Stale, await trial.CommitCheckpoint(first.Attempt, Ckpt(first.Attempt, 80)));
        Assert.Equal(ReportAck.Accepted, await trial.Complete(second.Attempt, TestStudies.Outcome(0.1)));
        var snap = await trial.GetSnapshot();
        Assert.Equal(0.1, snap.Outcome!.TestMaeEv);
        Assert.Equal(40, snap.LatestCheckpoint!.Step);
    }

    [Fact]
    public async Task Renewal_keeps_the_lease_alive_past_its_original_expiry()
    {
        var trial = await NewTrial();
        // Each renewal must land within one lease of the previous one: 5 s leases renewed every 0.5 s leave seconds of
        // slack for a stalled grain call on a loaded machine (1 s leases renewed every 0.4 s did not).
        var renewal = TimeSpan.FromSeconds(5);
        var lease = (await trial.TryLease("n1", renewal))!;
        while (DateTimeOffset.UtcNow <= lease.ExpiresAt + TimeSpan.FromSeconds(1))
        {
            await Task.Delay(500);
            Assert.Equal(ReportAck.Accepted, await trial.Renew(lease.Attempt, renewal));
        }
        // Past the original expiry: still the live attempt.
        Assert.Equal(ReportAck.Accepted, await trial.ReportProgress(lease.Attempt, Progress));
    }

    [Fact]
    public async Task Failures_requeue_until_attempts_run_out()
    {
        var trial = await NewTrial(maxAttempts: 2);
        var a1 = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(ReportAck.Accepted, await trial.Fail(a1.Attempt, "child exited with 134"));
        Assert.Equal(TrialStatus.Queued, (await trial.GetSnapshot()).Status);
        var a2 = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(ReportAck.Accepted, await trial.Fail(a2.Attempt, "child exited with 134"));
        var snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Failed, snap.Status);
        Assert.Contains("2 attempts", snap.Error);
        Assert.Null(await trial.TryLease("n1", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Infrastructure_failures_never_use_up_the_attempt_budget()
    {
        // One attempt allowed: before attempts were classified, the first lapsed lease failed the trial for good.
        var trial = await NewTrial(maxAttempts: 1);
        var first = (await trial.TryLease("n1", TimeSpan.FromMilliseconds(300)))!;
        await Task.Delay(600);
        var snap = await trial.ExpireIfLapsed(); // the lease lapsed: infrastructure
        Assert.Equal(TrialStatus.Queued, snap.Status);
        Assert.Equal((0, 1), (snap.TrialFailures, snap.InfrastructureFailures));
        DateTimeOffset failing = default, failed = default;
        for (int i = 0; i < 3; i++)
        {
            var lease = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
            failing = DateTimeOffset.UtcNow;
            Assert.Equal(ReportAck.Accepted, await trial.Fail(lease.Attempt, "trial runner exited with 137 (SIGKILL)", FailureKind.Infrastructure));
            failed = DateTimeOffset.UtcNow;
        }
        snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Queued, snap.Status);
        Assert.Equal((0, 4), (snap.TrialFailures, snap.InfrastructureFailures));
        // Backoff doubles per failure: the 4th waits 8 x the base before the scheduler leases it again, counted from
        // the moment the grain took the failure (bounded by the call's start and end, however long it took).
        Assert.NotNull(snap.NotBefore);
        Assert.InRange(snap.NotBefore!.Value, failing + ClusterFixture.InfrastructureBackoff * 8, failed + ClusterFixture.InfrastructureBackoff * 8);
        // The trainer's own error is what the budget is for.
        var last = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(5, last.Attempt);
        Assert.Equal(ReportAck.Accepted, await trial.Fail(last.Attempt, "trial runner exited with 1: NaN loss"));
        snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Failed, snap.Status);
        Assert.Contains("NaN loss", snap.Error);
        Assert.Contains("not counted: 4", snap.Error);
    }

    [Fact]
    public async Task Bad_input_fails_the_trial_at_once_with_its_message()
    {
        var trial = await NewTrial(maxAttempts: 3);
        var lease = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(ReportAck.Accepted, await trial.Fail(lease.Attempt, "trial-runner: error: data_path: /nowhere/qm9.xyz not found", FailureKind.BadInput));
        var snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Failed, snap.Status);
        Assert.Equal(1, snap.Attempt);
        Assert.Contains("bad input", snap.Error);
        Assert.Contains("/nowhere/qm9.xyz not found", snap.Error);
    }

    [Fact]
    public async Task A_released_lease_is_queued_again_at_once()
    {
        var trial = await NewTrial(maxAttempts: 1);
        var lease = (await trial.TryLease("n1", TimeSpan.FromMinutes(10)))!;
        Assert.Equal(ReportAck.Accepted, await trial.CommitCheckpoint(lease.Attempt, Ckpt(lease.Attempt, 20)));
        Assert.Equal(ReportAck.Accepted, await trial.Release(lease.Attempt, "node n1 is shutting down"));
        var snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Queued, snap.Status);
        Assert.Null(snap.NotBefore); // no backoff: the node is known to be gone
        Assert.Equal(0, snap.TrialFailures);
        Assert.Equal(ReportAck.Stale, await trial.ReportProgress(lease.Attempt, Progress)); // and the old attempt is fenced
        var next = (await trial.TryLease("n2", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(20, next.Checkpoints[0].Step);
    }

    [Fact]
    public async Task Retry_requeues_a_failed_trial_with_a_fresh_budget_and_its_checkpoints()
    {
        var trial = await NewTrial(maxAttempts: 1);
        Assert.False(await trial.Retry()); // queued: nothing to retry
        var lease = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        await trial.CommitCheckpoint(lease.Attempt, Ckpt(lease.Attempt, 30));
        await trial.Fail(lease.Attempt, "trial runner exited with 1: out of memory");
        Assert.Equal(TrialStatus.Failed, (await trial.GetSnapshot()).Status);
        Assert.True(await trial.Retry());
        var snap = await trial.GetSnapshot();
        Assert.Equal((TrialStatus.Queued, 0, null), (snap.Status, snap.TrialFailures, snap.Error));
        var again = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        Assert.Equal(2, again.Attempt); // the fencing token keeps counting
        Assert.Equal(30, again.Checkpoints[0].Step);
    }

    [Fact]
    public async Task Reading_a_trial_never_changes_it()
    {
        var trial = await NewTrial();
        var lease = (await trial.TryLease("n1", TimeSpan.FromMilliseconds(300)))!;
        await Task.Delay(700);
        // Before, a read re-queued the lapsed lease (and wrote state, so a read failed while storage was down).
        var snap = await trial.GetSnapshot();
        Assert.Equal(TrialStatus.Leased, snap.Status);
        Assert.Equal(0, snap.InfrastructureFailures);
        Assert.Equal(ReportAck.Stale, await trial.ReportProgress(lease.Attempt, Progress)); // a report does notice it
        Assert.Equal(TrialStatus.Queued, (await trial.GetSnapshot()).Status);
    }

    [Fact]
    public async Task Cancellation_stops_the_running_attempt()
    {
        var trial = await NewTrial();
        var lease = (await trial.TryLease("n1", TimeSpan.FromMinutes(1)))!;
        await trial.Cancel();
        Assert.Equal(ReportAck.Cancelled, await trial.Renew(lease.Attempt, TimeSpan.FromMinutes(1)));
        Assert.Equal(ReportAck.Cancelled, await trial.Complete(lease.Attempt, TestStudies.Outcome(0.1)));
        Assert.Equal(TrialStatus.Cancelled, (await trial.GetSnapshot()).Status);
    }
}
