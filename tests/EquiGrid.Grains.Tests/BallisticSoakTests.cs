using System.Diagnostics;
using System.Globalization;
using EquiGrid.Grains.Resilience;
using EquiGrid.Grains.Tests.Infrastructure;
using EquiGrid.LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// A hostile operator's soak: a study runs on three silo processes (cluster profile, real redis-server with AOF and
/// Azurite) while a driver SIGKILLs a silo or a trial runner and restarts it, and restarts Redis and Azurite once each
/// mid-study. Every trial must then have completed once, none failed, and each result must equal a calm run of the
/// same study (same weights SHA-256).
/// <para>
/// Nothing here is sized by the clock of one machine: a probe study first measures how long an epoch of the soak's
/// trials takes on this machine right now (three at once, as in the study), the trials get as many epochs as fill
/// the plan's training time, and the driver acts on the study's progress: each event waits until some trial has
/// committed a checkpoint since the previous one, and when the study's measured pace says it would end before the
/// required events (both kinds of kill, both server restarts) have landed, the gaps shrink to the plan's floor.
/// </para>
/// The short version runs in the default test run; the full one (12 trials, a kill every 20-60 s, under 20 minutes)
/// with EQUIGRID_SOAK=1 or <c>--filter Category=Soak</c>.
/// </summary>
public class BallisticSoakTests(ITestOutputHelper output)
{
    private const string Token = "soak-token";

    /// <summary>
    /// How hard a soak run is: the grid, the training time each trial is sized to, the gaps between events (drawn from
    /// [MinGap, MaxGap], down to FloorGap when the study would otherwise end first), the kills to land at least and at
    /// most (null: keep killing while trials remain), and how long each study may take before the test gives up.
    /// </summary>
    private sealed record SoakPlan(string Name, string[] LSets, int Seeds, int MaxMolecules, double TrialSeconds,
        int MinGapSeconds, int MaxGapSeconds, int FloorGapSeconds, int MinKills, int? MaxKills, TimeSpan Limit);

    private static readonly SoakPlan Short = new("short", ["0,1"], 3, 64, TrialSeconds: 60,
        MinGapSeconds: 3, MaxGapSeconds: 6, FloorGapSeconds: 2, MinKills: 3, MaxKills: 3, Limit: TimeSpan.FromMinutes(5));
    private static readonly SoakPlan Full = new("full", ["0,1", "0,1,2"], 6, 160, TrialSeconds: 80,
        MinGapSeconds: 20, MaxGapSeconds: 60, FloorGapSeconds: 5, MinKills: 3, MaxKills: null, Limit: TimeSpan.FromMinutes(8));

    /// <summary>Leases short enough that a killed node costs seconds; Redis stays down for less than a lease.</summary>
    private static readonly Dictionary<string, string> Timings = new()
    {
        ["EquiGrid:Scheduling:LeaseDuration"] = "00:00:10", ["EquiGrid:Scheduling:ScanInterval"] = "00:00:01",
        ["EquiGrid:Membership:ProbeTimeout"] = "00:00:02", ["EquiGrid:Membership:NumMissedProbesLimit"] = "2",
        ["EquiGrid:Membership:IAmAliveTablePublishTimeout"] = "00:00:05",
    };
    private static readonly TimeSpan ServerDowntime = TimeSpan.FromSeconds(4);

    [ClusterFact]
    public Task Short_soak_kills_and_server_restarts_lose_no_trial_and_change_no_result() => RunAsync(Short);

    [ClusterFact, Trait("Category", "Soak")]
    public Task Ballistic_soak_of_a_12_trial_study_under_20_minutes() => RunAsync(Full);

    private static TrialSpec Trial(SoakPlan plan, int epochs) => new()
    {
        LSet = "0,1", Hidden = 4, Epochs = epochs, Seed = 11, MaxMolecules = plan.MaxMolecules, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 4,
        CheckpointEverySteps = 3,
    };

    private static StudyDefinition Study(string id, SoakPlan plan, int epochs) => new()
    {
        Id = id, MaxAttempts = 3, Base = Trial(plan, epochs),
        Axes = [new GridAxis("lset", plan.LSets.ToList()), new GridAxis("seed", Enumerable.Range(11, plan.Seeds).Select(s => s.ToString(CultureInfo.InvariantCulture)).ToList())],
    };

    /// <summary>
    /// Three probe trials of the plan's shape (its most expensive L-set, the last, two epochs) at once, one per silo as
    /// in the study: the seconds of a warm epoch (the second; the first pays for JIT compilation), their mean.
    /// </summary>
    private async Task<double> MeasureEpochSecondsAsync(IClusterClient grains, LocalCluster cluster, SoakPlan plan)
    {
        var id = "probe-" + plan.Name;
        var probe = new StudyDefinition
        {
            Id = id, MaxAttempts = 3, Base = Trial(plan, epochs: 2),
            Axes = [new GridAxis("lset", [plan.LSets[^1]]), new GridAxis("seed", ["11", "12", "13"])],
        };
        var study = grains.GetGrain<IStudyGrain>(id);
        var clock = Stopwatch.StartNew();
        await study.Submit(probe);
        var snap = await WaitUntilFinished(study, plan.Limit, cluster, () => { });
        Assert.Equal(StudyStatus.Completed, snap.Status);
        var seconds = snap.Rows.Select(r => r.Result!.Epochs[^1].Seconds).ToList();
        output.WriteLine($"probe: {snap.Rows.Count} trials of 2 epochs in {clock.Elapsed.TotalSeconds:F0} s; warm epoch {string.Join(", ", seconds.Select(s => s.ToString("F2")))} s");
        return seconds.Average();
    }

    private async Task RunAsync(SoakPlan plan)
    {
        var total = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        using var redis = new RedisServer(persistent: true);
        await using var azurite = await AzuriteServer.StartAsync();
        int trials = plan.LSets.Length * plan.Seeds;

        // One cluster for the probe, the calm run and the hostile run, one after the other (separate study ids): the
        // calm run is undisturbed, and starting one cluster instead of two keeps the short soak cheap.
        using var cluster = new LocalCluster(redis, azurite.ConnectionString, "soak" + plan.Name, Token, Timings);
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        using var client = await cluster.ConnectAsync(patience: TimeSpan.FromMinutes(2));
        var grains = client.Services.GetRequiredService<IClusterClient>();
        await cluster.WaitUntilAllActiveAsync(grains);

        double epochSeconds = await MeasureEpochSecondsAsync(grains, cluster, plan);
        int epochs = Math.Clamp((int)Math.Round(plan.TrialSeconds / Math.Max(epochSeconds, 1e-3)), 2, 2000);
        output.WriteLine($"sized: {epochs} epochs per trial ({plan.TrialSeconds:F0} s of training at {epochSeconds:F2} s per epoch)");

        // The calm run.
        var calmStudy = grains.GetGrain<IStudyGrain>("calm-" + plan.Name);
        var clock = Stopwatch.StartNew();
        await calmStudy.Submit(Study("calm-" + plan.Name, plan, epochs));
        var calmSnap = await WaitUntilFinished(calmStudy, plan.Limit, cluster, () => { });
        var calmWall = clock.Elapsed;
        Assert.True(calmSnap.Status == StudyStatus.Completed, $"the calm run ended {calmSnap.Status}: {string.Join("; ", calmSnap.Rows.Where(r => r.Error is not null).Select(r => $"{r.TrialId}: {r.Error}"))}");
        var calm = calmSnap.Rows.ToDictionary(r => Name(r.TrialId), r => r.Result!.WeightsSha256);
        var calmTrials = await TransientGrainCalls.RetryAsync(calmStudy.GetTrials, TimeSpan.FromMinutes(2));
        var steps = calmTrials.ToDictionary(t => Name(t.TrialId), t => t.LastProgress?.TotalSteps ?? 1);
        output.WriteLine($"calm run: {trials} trials in {calmWall.TotalSeconds:F0} s, {calmSnap.Rows.Sum(r => r.Attempts)} attempts, {steps.Values.Sum()} steps");

        // The hostile run.
        var chaosStudy = grains.GetGrain<IStudyGrain>("chaos-" + plan.Name);
        var wall = Stopwatch.StartNew();
        await chaosStudy.Submit(Study("chaos-" + plan.Name, plan, epochs));
        var pace = new StudyPace(steps, calmWall);
        var driver = new ChaosDriver(cluster, redis, azurite, chaosStudy, plan, pace, output, wall);
        using var stop = new CancellationTokenSource();
        var driving = driver.RunAsync(stop.Token);
        StudySnapshot final;
        try { final = await WaitUntilFinished(chaosStudy, plan.Limit + calmWall, cluster, driver.ThrowIfFailed); }
        finally
        {
            stop.Cancel();
            await driving;
        }
        var chaosWall = wall.Elapsed;
        var snapshots = await TransientGrainCalls.RetryAsync(chaosStudy.GetTrials, TimeSpan.FromMinutes(2));
        int attempts = final.Rows.Sum(r => r.Attempts);
        output.WriteLine($"soak ({plan.Name}): {trials} trials of {epochs} epochs, {driver.SiloKills} silo kills, {driver.RunnerKills} trial runner kills " +
                         $"({driver.Hurried} events hurried below the {plan.MinGapSeconds} s gap), " +
                         $"Redis restarted at {driver.RedisRestartedAt?.TotalSeconds:F0} s, Azurite at {driver.AzuriteRestartedAt?.TotalSeconds:F0} s; " +
                         $"{attempts} attempts ({snapshots.Sum(t => t.InfrastructureFailures)} infrastructure interruptions, {snapshots.Sum(t => t.TrialFailures)} trial failures); " +
                         $"wall {chaosWall.TotalSeconds:F0} s vs calm {calmWall.TotalSeconds:F0} s ({chaosWall / calmWall:F2}x); whole test {total.Elapsed.TotalMinutes:F1} min; " +
                         $"load average {loadBefore} before, {LoadAverage()} after");
        foreach (var t in snapshots.OrderBy(t => t.TrialId))
            output.WriteLine($"  {t.TrialId}: {t.Status}, attempt {t.Attempt}, infrastructure {t.InfrastructureFailures}, trial failures {t.TrialFailures}");

        // Every trial completed exactly once, none failed, each result equal to its calm twin.
        Assert.Equal(StudyStatus.Completed, final.Status);
        Assert.Equal(trials, final.Rows.Count);
        Assert.Equal(trials, final.Rows.Select(r => r.TrialId).Distinct().Count());
        Assert.All(final.Rows, r => Assert.Equal(TrialStatus.Completed, r.Status));
        Assert.All(snapshots, t => Assert.Equal(0, t.TrialFailures)); // kills and restarts never count as the trial's failure
        foreach (var t in snapshots)
        {
            var row = final.Rows.Single(r => r.TrialId == t.TrialId);
            Assert.Equal(TrialStatus.Completed, t.Status);
            Assert.Equal(row.Attempts, t.Attempt); // no attempt ran after the one that completed it
            Assert.True(calm[Name(t.TrialId)] == row.Result!.WeightsSha256, $"{t.TrialId}: weights differ from the calm run's");
        }
        Assert.True(driver.SiloKills + driver.RunnerKills >= plan.MinKills, $"only {driver.SiloKills + driver.RunnerKills} kills landed");
        Assert.True(driver.SiloKills >= 1 && driver.RunnerKills >= 1, $"silo kills {driver.SiloKills}, runner kills {driver.RunnerKills}: both kinds must land");
        Assert.NotNull(driver.RedisRestartedAt);
        Assert.NotNull(driver.AzuriteRestartedAt);
    }

    /// <summary>The trial's name without its study ("calm-short/L0-1_..." and "chaos-short/L0-1_..." are twins).</summary>
    private static string Name(string trialId) => trialId[(trialId.IndexOf('/') + 1)..];

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    private static async Task<StudySnapshot> WaitUntilFinished(IStudyGrain study, TimeSpan limit, LocalCluster cluster, Action check)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            check();
            var snap = await TransientGrainCalls.RetryAsync(study.GetSnapshot, TimeSpan.FromMinutes(2));
            if (snap.Status != StudyStatus.Running) return snap;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"study {snap.StudyId} still running after {limit.TotalMinutes:F0} min: {string.Join(", ", snap.Rows.Select(r => $"{r.TrialId}={r.Status}"))}\n" +
                                           string.Join("\n", cluster.Silos.Select(s => $"silo{s.Key}: {s.Value.Tail}")));
            await Task.Delay(1000);
        }
    }

    /// <summary>
    /// How long the rest of a study should take at the calm run's pace: its remaining steps times the calm run's wall
    /// time per step (the three silos together). An estimate for the driver's timing, never for a result.
    /// </summary>
    private sealed class StudyPace(IReadOnlyDictionary<string, long> stepsPerTrial, TimeSpan calmWall)
    {
        private readonly double _secondsPerStep = calmWall.TotalSeconds / Math.Max(1, stepsPerTrial.Values.Sum());

        public double RemainingSeconds(IReadOnlyList<TrialSnapshot> trials) => _secondsPerStep * trials.Sum(t =>
        {
            if (t.Status == TrialStatus.Completed) return 0;
            long done = t.Status.IsHeld() ? t.LastProgress?.Step ?? 0 : t.LatestCheckpoint?.Step ?? 0;
            return Math.Max(0, stepsPerTrial[Name(t.TrialId)] - done);
        });
    }

    /// <summary>
    /// Lands events on a study while it makes progress: SIGKILL of a trial runner, SIGKILL of a silo (restarted on its
    /// ports two seconds later), a Redis restart (SIGKILL; its append-only file is fsynced per write, down for
    /// <see cref="ServerDowntime"/>) and an Azurite restart (SIGTERM). The first five events are the required ones in a
    /// fixed order (runner, Redis, silo, Azurite, either kill); after them kills of either kind follow until the plan's
    /// kill budget is spent or no trial remains. An event waits for a drawn gap and for a checkpoint committed since the
    /// previous event, and it targets a trial that has a committed checkpoint where one exists.
    /// </summary>
    private sealed class ChaosDriver(LocalCluster cluster, RedisServer redis, AzuriteServer azurite, IStudyGrain study, SoakPlan plan,
        StudyPace pace, ITestOutputHelper output, Stopwatch wall)
    {
        private enum Event { RunnerKill, RedisRestart, SiloKill, AzuriteRestart, AnyKill }

        private static readonly Event[] Required = [Event.RunnerKill, Event.RedisRestart, Event.SiloKill, Event.AzuriteRestart, Event.AnyKill];
        private readonly Random _random = new(20261206);
        private Exception? _failure;
        private int _next;

        public int SiloKills { get; private set; }
        public int RunnerKills { get; private set; }
        /// <summary>Events landed after less than the plan's minimum gap because the study would have ended first.</summary>
        public int Hurried { get; private set; }
        public TimeSpan? RedisRestartedAt { get; private set; }
        public TimeSpan? AzuriteRestartedAt { get; private set; }

        private int Kills => SiloKills + RunnerKills;
        private int RequiredLeft => Math.Max(0, Required.Length - _next);

        /// <summary>Rethrows a failure of the driver itself (not of the cluster) on the waiting thread.</summary>
        public void ThrowIfFailed()
        {
            if (_failure is not null) throw new InvalidOperationException("the chaos driver failed", _failure);
        }

        public async Task RunAsync(CancellationToken stop)
        {
            try
            {
                var last = TimeSpan.Zero;
                var gap = DrawGap();
                string? checkpointsAtLast = null;
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                    if (RequiredLeft == 0 && plan.MaxKills is { } most && Kills >= most) return;
                    var trials = await TransientGrainCalls.RetryAsync(study.GetTrials, TimeSpan.FromMinutes(2), stop);
                    var running = trials.Where(t => t.Status.IsHeld() && t.Node is not null).ToList();
                    if (running.Count == 0) continue; // between waves, or everything is done
                    // Progress since the previous event: some trial committed a checkpoint (or finished) since then.
                    var checkpoints = string.Join(';', trials.Select(t => $"{t.Status == TrialStatus.Completed}:{t.LatestCheckpoint?.Attempt}:{t.LatestCheckpoint?.Step}"));
                    if (checkpoints == checkpointsAtLast || trials.All(t => t.LatestCheckpoint is null && t.Status != TrialStatus.Completed)) continue;
                    var since = wall.Elapsed - last;
                    bool due = since.TotalSeconds >= gap;
                    // Hurry when the rest of the study, at the calm run's pace, is shorter than the required events
                    // still to come at the floor gap (each also takes a few seconds to do).
                    bool hurry = !due && RequiredLeft > 0 && since.TotalSeconds >= plan.FloorGapSeconds
                                 && pace.RemainingSeconds(trials) <= RequiredLeft * (plan.FloorGapSeconds + ServerDowntime.TotalSeconds);
                    if (!due && !hurry) continue;
                    if (!await LandAsync(_next < Required.Length ? Required[_next] : Event.AnyKill, running, stop)) continue;
                    if (hurry) Hurried++;
                    _next++;
                    last = wall.Elapsed;
                    gap = DrawGap();
                    checkpointsAtLast = checkpoints;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { _failure = e; }
        }

        private int DrawGap() => _random.Next(plan.MinGapSeconds, plan.MaxGapSeconds + 1);

        /// <summary>Lands one event; false when its target was gone (a runner that had just ended): try again later.</summary>
        private async Task<bool> LandAsync(Event what, IReadOnlyList<TrialSnapshot> running, CancellationToken stop)
        {
            // Prefer a trial with a committed checkpoint: its next attempt must resume from it.
            var withCheckpoint = running.Where(t => t.LatestCheckpoint is not null).ToList();
            var target = (withCheckpoint.Count > 0 ? withCheckpoint : running)[_random.Next(withCheckpoint.Count > 0 ? withCheckpoint.Count : running.Count)];
            if (what == Event.AnyKill) what = _random.Next(2) == 0 ? Event.RunnerKill : Event.SiloKill;
            var at = $"{target.TrialId} at step {target.LastProgress?.Step.ToString() ?? "-"}, checkpoint {target.LatestCheckpoint?.Step.ToString() ?? "-"}";
            switch (what)
            {
                case Event.RedisRestart:
                    Log($"restarting Redis ({at})");
                    redis.Stop();
                    await Task.Delay(ServerDowntime, stop);
                    redis.Start();
                    RedisRestartedAt = wall.Elapsed;
                    break;
                case Event.AzuriteRestart:
                    Log($"restarting Azurite ({at})");
                    await azurite.RestartAsync(ServerDowntime);
                    AzuriteRestartedAt = wall.Elapsed;
                    break;
                case Event.RunnerKill:
                    return KillRunner(target);
                default:
                {
                    int index = LocalCluster.IndexOf(target.Node!);
                    if (cluster.Silos[index].HasExited) return false;
                    cluster.Silos[index].Kill();
                    SiloKills++;
                    Log($"SIGKILL silo{index} (running {at})");
                    await Task.Delay(TimeSpan.FromSeconds(2), stop);
                    cluster.StartSilo(index);
                    Log($"silo{index} restarted");
                    break;
                }
            }
            return true;
        }

        /// <summary>SIGKILLs the runner of <paramref name="target"/> (the child of its silo whose attempt file names the trial).</summary>
        private bool KillRunner(TrialSnapshot target)
        {
            if (!cluster.Silos.TryGetValue(LocalCluster.IndexOf(target.Node!), out var silo) || silo.HasExited) return false;
            foreach (var pid in Signals.Children(silo.Id, "EquiGrid.TrialRunner").Where(pid => Runs(pid, target.TrialId)))
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    p.Kill();
                    RunnerKills++;
                    Log($"SIGKILL trial runner {pid} of {target.TrialId} (step {target.LastProgress?.Step.ToString() ?? "-"}, checkpoint {target.LatestCheckpoint?.Step.ToString() ?? "-"})");
                    return true;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException) { } // it had just finished
            }
            return false;
        }

        // The runner's command line names its attempt file (RunnerAttempt), which names the trial.
        private static bool Runs(int pid, string trialId)
        {
            var args = Signals.Arguments(pid);
            int i = args.ToList().IndexOf("--attempt");
            if (i < 0 || i + 1 >= args.Count) return false;
            try { return ContractJson.Read<RunnerAttempt>(args[i + 1]).TrialId == trialId; }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException) { return false; } // the attempt just ended
        }

        private void Log(string what) => output.WriteLine($"{wall.Elapsed.TotalSeconds,6:F1} s: {what}");
    }
}
