using EquiGrid.Grains.Resilience;
using EquiGrid.Grains.Tests.Infrastructure;
using EquiGrid.LocalServers;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// Three silos as separate processes on the cluster profile (real redis-server and Azurite on loopback). Studies hold
/// pairs of trials with identical specs (an extra axis tells them apart), so an interrupted trial can be compared with
/// an uninterrupted twin: same seed, same data, so the same final weights.
/// </summary>
public class MultiProcessClusterTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string Token = "mp-token";

    /// <summary>Short leases and quick failure detection so a lost silo costs seconds, not minutes, of test time.</summary>
    private static readonly Dictionary<string, string> FastFailover = new()
    {
        ["EquiGrid:Scheduling:LeaseDuration"] = "00:00:04", ["EquiGrid:Scheduling:ScanInterval"] = "00:00:01",
        ["EquiGrid:Membership:ProbeTimeout"] = "00:00:01", ["EquiGrid:Membership:NumMissedProbesLimit"] = "2",
        ["EquiGrid:Membership:IAmAliveTablePublishTimeout"] = "00:00:05",
    };

    private static StudyDefinition Study(string id, int seeds, int epochs) => new()
    {
        Id = id, MaxAttempts = 5,
        Base = new TrialSpec { LSet = "0,1", Hidden = 4, Epochs = epochs, Seed = 11, MaxMolecules = 96, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 4, CheckpointEverySteps = 3 },
        Axes = seeds > 1
            ? [new GridAxis("seed", Enumerable.Range(11, seeds).Select(s => s.ToString()).ToList()), new GridAxis("extra.copy", ["a", "b"])]
            : [new GridAxis("extra.copy", ["a", "b"])],
    };

    /// <summary>Held, checkpointed and less than 60% through: cannot finish in the moment before the kill lands.</summary>
    private static bool MidTraining(TrialSnapshot t) =>
        t.Status.IsHeld() && t.Node is not null && t.LatestCheckpoint is not null && t.LastProgress is { } p && p.Step < 0.6 * p.TotalSteps;

    /// <summary>
    /// A trial that failed by its own fault (not a lapsed lease or a lost node: with 4 s leases a loaded machine lapses
    /// some, and the cluster re-runs them, which these tests must ride out), or null.
    /// </summary>
    private static TrialSnapshot? FailingTrial(IEnumerable<TrialSnapshot> trials) =>
        trials.FirstOrDefault(t => t.Status == TrialStatus.Failed || t.TrialFailures > 0);

    // Polls ride out the seconds in which a killed silo still owns grains (calls time out until it is declared dead).
    private static Task<IReadOnlyList<TrialSnapshot>> Trials(IStudyGrain study) => TransientGrainCalls.RetryAsync(study.GetTrials, TimeSpan.FromMinutes(2));
    private static Task<StudySnapshot> Snapshot(IStudyGrain study) => TransientGrainCalls.RetryAsync(study.GetSnapshot, TimeSpan.FromMinutes(2));

    private static async Task<StudySnapshot> WaitUntilFinished(IStudyGrain study, TimeSpan limit, LocalCluster cluster)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var snap = await Snapshot(study);
            if (snap.Status != StudyStatus.Running) return snap;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"study {snap.StudyId} still running: {string.Join(", ", snap.Rows.Select(r => $"{r.TrialId}={r.Status}"))}\n" +
                                           string.Join("\n", cluster.Silos.Select(s => $"silo{s.Key}: {s.Value.Tail}")));
            await Task.Delay(500);
        }
    }

    private static void AssertTwinsAgree(StudySnapshot snap)
    {
        Assert.All(snap.Rows, r => Assert.Equal(TrialStatus.Completed, r.Status));
        foreach (var twins in snap.Rows.GroupBy(r => r.Spec.Seed))
            Assert.Single(twins.Select(r => r.Result!.WeightsSha256).Distinct()); // interrupted or not, same weights
    }

    [ClusterFact]
    public async Task A_SIGKILLed_silo_loses_no_trial_and_the_resumed_trial_matches_an_uninterrupted_run()
    {
        using var redis = new RedisServer();
        using var cluster = new LocalCluster(redis, azurite.ConnectionString, "mp", Token, FastFailover);
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        using var client = await cluster.ConnectAsync();
        var study = client.Services.GetRequiredService<IClusterClient>().GetGrain<IStudyGrain>("mp");
        // 8 epochs: the window in which a trial is checkpointed and less than 60% through spans several epochs, so a
        // fast machine cannot train through it between two polls.
        await study.Submit(Study("mp", seeds: 1, epochs: 8));

        // Wait for a trial with a committed checkpoint, then SIGKILL the silo running it. The bound allows for three
        // silos and their trial runners starting on a loaded 2-core machine (2 min was not enough under CPU-heavy tests).
        TrialSnapshot victim;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var trials = await Trials(study);
            var candidate = trials.FirstOrDefault(MidTraining);
            if (candidate is not null) { victim = candidate; break; }
            if (FailingTrial(trials) is { } failing) throw new Xunit.Sdk.XunitException($"attempt failed: {failing.Error}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no trial reached a checkpoint");
            await Task.Delay(50);
        }
        cluster.Silos[LocalCluster.IndexOf(victim.Node!)].Kill();

        var snap = await WaitUntilFinished(study, TimeSpan.FromMinutes(5), cluster);
        Assert.Equal(StudyStatus.Completed, snap.Status);
        var resumed = (await Trials(study)).Single(t => t.TrialId == victim.TrialId);
        Assert.True(resumed.Attempt > victim.Attempt, $"the killed trial should have run again (attempt {resumed.Attempt})");
        Assert.NotEqual(victim.Node, resumed.Node);
        AssertTwinsAgree(snap);
        await AssertEveryTrialUploadedItsAnalysisFolder(snap, "equigrid-" + cluster.ClusterId.ToLowerInvariant());
    }

    [ClusterFact]
    public async Task Redis_down_for_15_seconds_mid_training_costs_no_attempt()
    {
        // Redis with an fsync per write, so stopping it is an outage, not a loss; the default 30 s lease outlasts it.
        using var redis = new RedisServer(persistent: true);
        var timings = FastFailover.Where(kv => !kv.Key.StartsWith("EquiGrid:Scheduling:")).ToDictionary();
        using var cluster = new LocalCluster(redis, azurite.ConnectionString, "blip", Token, timings);
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        using var client = await cluster.ConnectAsync();
        var study = client.Services.GetRequiredService<IClusterClient>().GetGrain<IStudyGrain>("blip");
        await TransientGrainCalls.RetryAsync(() => study.Submit(Study("blip", seeds: 1, epochs: 6)), TimeSpan.FromMinutes(2)); // idempotent
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!(await Trials(study)).Any(MidTraining))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no trial reached a checkpoint");
            await Task.Delay(200);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        redis.Stop();
        // Reads need no Redis: trial and study grains answer from memory (before, status wrote state and failed).
        var during = await study.GetTrials();
        Assert.Contains(during, t => t.Status.IsHeld());
        // The outage lasts 15 s (the read above may itself have taken a while on a loaded machine; Task.Delay throws on
        // a negative span).
        if (clock.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(TimeSpan.FromSeconds(15) - clock.Elapsed);
        var stepsBefore = during.Where(t => t.Status.IsHeld()).ToDictionary(t => t.TrialId, t => t.LastProgress?.Step ?? 0);
        redis.Start();
        output.WriteLine($"redis back after {clock.Elapsed.TotalSeconds:F1} s");

        var snap = await WaitUntilFinished(study, TimeSpan.FromMinutes(4), cluster);
        Assert.Equal(StudyStatus.Completed, snap.Status);
        foreach (var t in await Trials(study))
        {
            // Before: every trial that reported during the outage lost its attempt (and ~30 s of lease wait).
            Assert.True(t.Attempt == 1, $"{t.TrialId} ran {t.Attempt} attempts ({t.InfrastructureFailures} infrastructure failures): {t.Error}");
            Assert.Equal(0, t.TrialFailures);
        }
        AssertTwinsAgree(snap);
        output.WriteLine($"held during the outage at steps {string.Join(", ", stepsBefore.Select(kv => $"{kv.Key}={kv.Value}"))}");
    }

    /// <summary>Each completed trial's analysis folder is in blob storage, hash-verified, from the attempt that completed it.</summary>
    private async Task AssertEveryTrialUploadedItsAnalysisFolder(StudySnapshot snap, string container)
    {
        var dest = Directory.CreateTempSubdirectory("equigrid-mp-results-").FullName;
        try
        {
            var (folder, got) = await new EquiGrid.Silo.Results.BlobResultsStore(azurite.ConnectionString, container).DownloadStudyAsync(snap.StudyId, dest);
            Assert.Equal(snap.Rows.Count, got.Trials);
            foreach (var row in snap.Rows)
            {
                var trialDir = Path.Combine(folder, row.TrialId.Split('/')[^1]);
                Assert.True(File.Exists(Path.Combine(trialDir, "metrics.jsonl")), $"{row.TrialId}: no metrics.jsonl in {string.Join(", ", Directory.EnumerateFiles(trialDir))}");
                var result = ContractJson.Read<TrialResult>(Path.Combine(trialDir, "result.json"));
                Assert.Equal(row.Result!.WeightsSha256, result.WeightsSha256);
                // Complete learning curve even for the trial resumed on another node (its runner logged only the rest).
                Assert.Equal(Enumerable.Range(0, row.Spec.Epochs), File.ReadLines(Path.Combine(trialDir, "metrics.jsonl"))
                    .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).Where(n => (string?)n["type"] == "epoch").Select(n => (int)n["epoch"]!));
            }
        }
        finally { try { Directory.Delete(dest, true); } catch (IOException) { } }
    }

    [ClusterFact]
    public async Task Restarting_the_whole_cluster_mid_study_keeps_finished_results_and_completes_the_rest()
    {
        using var redis = new RedisServer();
        using var cluster = new LocalCluster(redis, azurite.ConnectionString, "restart", Token, FastFailover);
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        Dictionary<string, StudyTableRow> finishedBefore;
        List<TrialSnapshot> inFlight;
        using (var client = await cluster.ConnectAsync())
        {
            var study = client.Services.GetRequiredService<IClusterClient>().GetGrain<IStudyGrain>("restart");
            await study.Submit(Study("restart", seeds: 2, epochs: 8)); // 4 trials on 3 single-slot workers, long enough to be caught mid-training on a fast machine
            // Cut the power once some trials have finished and some are mid-training.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (true)
            {
                var snap = await Snapshot(study);
                var trials = await Trials(study);
                if (FailingTrial(trials) is { } failing) throw new Xunit.Sdk.XunitException($"attempt failed: {failing.Error}");
                inFlight = trials.Where(MidTraining).ToList();
                if (snap.Count(TrialStatus.Completed) >= 1 && inFlight.Count >= 1)
                {
                    finishedBefore = snap.Rows.Where(r => r.Status == TrialStatus.Completed).ToDictionary(r => r.TrialId);
                    break;
                }
                if (snap.Status != StudyStatus.Running) throw new Xunit.Sdk.XunitException("the study finished before the restart could interrupt it");
                if (DateTime.UtcNow > deadline) throw new TimeoutException("no moment with a finished and a checkpointed running trial");
                await Task.Delay(50);
            }
            cluster.KillAll();
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // A new cluster generation over the same Redis and blob store (each silo back on its machine's ports).
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        using (var client = await cluster.ConnectAsync(patience: TimeSpan.FromMinutes(2), log: m => output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {m}")))
        {
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: connected to the new generation");
            var study = client.Services.GetRequiredService<IClusterClient>().GetGrain<IStudyGrain>("restart");
            var after = await Snapshot(study);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: study answered");
            foreach (var (id, before) in finishedBefore)
            {
                var row = after.Rows.Single(r => r.TrialId == id);
                Assert.Equal(TrialStatus.Completed, row.Status);
                Assert.Equal(before.Attempts, row.Attempts); // not run again
                Assert.Equal(before.Result!.WeightsSha256, row.Result!.WeightsSha256);
            }
            var snap = await WaitUntilFinished(study, TimeSpan.FromMinutes(4), cluster);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: study {snap.Status}");
            Assert.Equal(StudyStatus.Completed, snap.Status);
            Assert.Equal(4, snap.Rows.Count);
            foreach (var t in inFlight)
                Assert.True(snap.Rows.Single(r => r.TrialId == t.TrialId).Attempts > t.Attempt, $"{t.TrialId} was mid-training and must have run another attempt");
            AssertTwinsAgree(snap);
            // Every trial's analysis folder was uploaded before it completed, whichever generation ran it.
            await AssertEveryTrialUploadedItsAnalysisFolder(snap, "equigrid-restart");
        }
    }
}
