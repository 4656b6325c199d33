using System.Diagnostics;
using EquiGrid.Grains;
using EquiGrid.Grains.Resilience;
using EquiGrid.LocalServers;
using Microsoft.Extensions.DependencyInjection;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// Failover time on the cluster profile: three silo processes over a real redis-server and Azurite; a trial trains on
/// one of them, that silo is SIGKILLed, and the clock runs until the trial is leased, then training again, on another
/// silo (resumed from its latest checkpoint). The in-process baseline is the time from submitting the same trial to a
/// healthy cluster until it trains, so the ratio is what a lost machine costs over a normal start. Measured for the
/// product's default timings and for a tuned set (short leases, fast failure detection) a private network allows.
/// Usage: failover [repetitions = 3] [--profile defaults|tuned|both]
/// </summary>
public static class FailoverBench
{
    private static readonly Dictionary<string, Dictionary<string, string>> Profiles = new()
    {
        ["defaults"] = new(),
        ["tuned"] = new()
        {
            ["EquiGrid:Scheduling:LeaseDuration"] = "00:00:04", ["EquiGrid:Scheduling:ScanInterval"] = "00:00:01",
            ["EquiGrid:Membership:ProbeTimeout"] = "00:00:01", ["EquiGrid:Membership:NumMissedProbesLimit"] = "2",
        },
    };

    public static int Run(string[] args)
    {
        var positional = args.Where(a => !a.StartsWith("--")).ToArray();
        int reps = positional.Length > 0 ? int.Parse(positional[0]) : 3;
        int pi = Array.IndexOf(args, "--profile");
        var which = pi >= 0 && pi + 1 < args.Length ? args[pi + 1] : "both";
        var names = which == "both" ? Profiles.Keys.ToArray() : [which];
        if (names.Any(n => !Profiles.ContainsKey(n))) { Console.Error.WriteLine($"failover: --profile '{which}': use defaults, tuned or both"); return 2; }
        if (RedisServer.Executable() is null || Loopback.AzuritePath() is null)
        {
            Console.Error.WriteLine("failover: redis-server and azurite-blob are needed (bash scripts/test.sh installs both)");
            return 2;
        }
        return RunAsync(reps, names).GetAwaiter().GetResult();
    }

    private sealed record Sample(double StartSeconds, double LeasedSeconds, double TrainingSeconds, long StepsRedone);

    private static async Task<int> RunAsync(int reps, string[] profiles)
    {
        using var redis = new RedisServer();
        await using var azurite = await AzuriteServer.StartAsync();
        Console.WriteLine($"failover: 3 silo processes (cluster profile, real redis-server + Azurite), one trial SIGKILLed mid-training, {reps} repetition(s) per profile");
        Console.WriteLine("| timings | start on a healthy cluster (baseline) | kill -> leased elsewhere | kill -> training elsewhere | vs baseline | steps redone |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var name in profiles)
        {
            var settings = new Dictionary<string, string>(Profiles[name]) { ["Logging:LogLevel:Default"] = "Warning" };
            using var cluster = new LocalCluster(redis, azurite.ConnectionString, "failover-" + name, "bench-token", settings);
            for (int i = 0; i < 3; i++) cluster.StartSilo(i);
            using var client = await cluster.ConnectAsync(patience: TimeSpan.FromMinutes(2));
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var samples = new List<Sample>();
            for (int r = 0; r < reps; r++)
            {
                await cluster.WaitUntilAllActiveAsync(grains);
                var s = await OneKill(grains, cluster, $"failover-{name}-{r}");
                Console.Error.WriteLine($"failover {name} #{r + 1}: start {s.StartSeconds:F1} s, leased {s.LeasedSeconds:F1} s, training {s.TrainingSeconds:F1} s, {s.StepsRedone} steps redone");
                samples.Add(s);
            }
            double Median(Func<Sample, double> f) { var v = samples.Select(f).Order().ToArray(); return v[v.Length / 2]; }
            double start = Median(s => s.StartSeconds), train = Median(s => s.TrainingSeconds);
            Console.WriteLine($"| {name} (median of {reps}) | {start:F1} s | {Median(s => s.LeasedSeconds):F1} s | {train:F1} s | {train / start:F1}x | {Median(s => s.StepsRedone):F0} |");
        }
        return 0;
    }

    private static async Task<Sample> OneKill(IGrainFactory grains, LocalCluster cluster, string studyId)
    {
        var study = grains.GetGrain<IStudyGrain>(studyId);
        Task<TrialSnapshot> Trial() => TransientGrainCalls.RetryAsync(async () => (await study.GetTrials()).Single(), TimeSpan.FromMinutes(3));
        // Long enough (40 epochs) that it cannot finish during even the slowest failover; cancelled once measured.
        await study.Submit(new StudyDefinition
        {
            Id = studyId, MaxAttempts = 5, Axes = [],
            Base = new TrialSpec { LSet = "0,1", Hidden = 4, Epochs = 40, Seed = 5, MaxMolecules = 96, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 4, CheckpointEverySteps = 3 },
        });
        var clock = Stopwatch.StartNew();
        TrialSnapshot t;
        double start = double.NaN;
        while (true) // training, with a checkpoint committed and a few steps past it
        {
            t = await Trial();
            if (double.IsNaN(start) && t.LastProgress is not null) start = clock.Elapsed.TotalSeconds;
            if (t.Status.IsHeld() && t.LatestCheckpoint is { } c && t.LastProgress is { } p && p.Step > c.Step && t.Node is not null) break;
            if (t.Error is not null) throw new InvalidOperationException($"failover bench: attempt failed: {t.Error}");
            if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("failover bench: the trial never reached a checkpoint");
            await Task.Delay(50);
        }
        var victim = t;
        int index = LocalCluster.IndexOf(victim.Node!);
        cluster.Silos[index].Kill();
        var sinceKill = Stopwatch.StartNew();
        double leased = double.NaN;
        while (true)
        {
            t = await Trial();
            bool moved = t.Attempt > victim.Attempt && t.Node is not null && t.Node != victim.Node;
            if (moved && double.IsNaN(leased)) leased = sinceKill.Elapsed.TotalSeconds;
            if (moved && t.LastProgress is not null && t.Status is TrialStatus.Running or TrialStatus.Checkpointed) break;
            if (sinceKill.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"failover bench: {t.TrialId} not training again 5 minutes after the kill ({t.Status}, attempt {t.Attempt})");
            await Task.Delay(50);
        }
        double training = sinceKill.Elapsed.TotalSeconds;
        // Work lost: the victim's last reported step minus the checkpoint the new attempt resumed from.
        long redone = victim.LastProgress!.Step - (t.LatestCheckpoint?.Step ?? victim.LatestCheckpoint!.Step);
        await study.Cancel();
        cluster.StartSilo(index); // the machine comes back on its ports
        return new Sample(start, leased, training, Math.Max(0, redone));
    }
}
