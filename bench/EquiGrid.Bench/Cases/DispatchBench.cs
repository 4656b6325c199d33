using System.Diagnostics;
using EquiGrid.Grains;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// Scheduling throughput of the grain layer with trivial trials, as a function of how many trials are queued. W
/// concurrent pull loops play the workers (lease from the scheduler, then complete the attempt at once with a fixed
/// outcome), so what is timed is the lease + fenced completion path with its persisted state writes, without any
/// training. Before every timed run the queue is topped up to the requested size with a new study, so each run starts
/// with exactly that many trials queued and times the dispatch of the next K of them: the same K at every queue size, at
/// most half the smallest queue, so no timed run empties the queue.
/// Two setups in one process: the baseline, one embedded silo in this process (file grain storage), and the cluster
/// profile, three silo processes over a real redis-server (membership + grain state) with the loops calling in through
/// a client, as remote workers' calls would.
/// Usage: dispatch [--queued 1000,10000,100000] [--trials K = 500] [--loops W = 3] [--runs R = 5]
///                 [--embedded-only | --cluster-only]
/// </summary>
public static class DispatchBench
{
    /// <summary>The most trials one study may expand to.</summary>
    private const int MaxStudyTrials = EquiGrid.Grains.Studies.StudyExpansion.MaxTrials;

    private sealed record Options(int[] Queued, int Trials, int Loops, int Runs, bool Embedded, bool Cluster);

    public static int Run(string[] args)
    {
        Options o;
        try { o = Parse(args); }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"dispatch: {e.Message}");
            Console.Error.WriteLine("usage: dispatch [--queued 1000,10000,100000] [--trials 500] [--loops 3] [--runs 5] [--embedded-only|--cluster-only]");
            return 2;
        }
        if (o.Cluster && (RedisServer.Executable() is null || Loopback.AzuritePath() is null))
        {
            Console.Error.WriteLine("dispatch: redis-server or azurite-blob missing (bash scripts/test.sh installs both); use --embedded-only");
            return 2;
        }
        return RunAsync(o).GetAwaiter().GetResult();
    }

    private static Options Parse(string[] args)
    {
        string? Value(string name)
        {
            int i = Array.IndexOf(args, name);
            if (i < 0) return null;
            if (i + 1 >= args.Length) throw new FormatException($"{name}: needs a value");
            return args[i + 1];
        }
        int Positive(string name, string text) =>
            int.TryParse(text, out var v) && v > 0 ? v : throw new FormatException($"{name}: '{text}' is not a positive whole number");
        var known = new HashSet<string> { "--queued", "--trials", "--loops", "--runs", "--embedded-only", "--cluster-only" };
        foreach (var a in args.Where(a => a.StartsWith("--")))
            if (!known.Contains(a)) throw new FormatException($"{a}: unknown option");
        var queued = (Value("--queued") ?? "1000,10000,100000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(q => Positive("--queued", q)).Order().ToArray();
        if (queued.Length == 0) throw new FormatException("--queued: give at least one queue size, e.g. 1000,10000");
        bool embeddedOnly = args.Contains("--embedded-only"), clusterOnly = args.Contains("--cluster-only");
        if (embeddedOnly && clusterOnly) throw new FormatException("--embedded-only and --cluster-only exclude each other");
        int trials = Positive("--trials", Value("--trials") ?? "500");
        // Every queue size times the same K dispatches, and the queue must stay far from empty while they run: a run that
        // drains it would time the idle tail (loops finding nothing) and make small queues look slow.
        if (trials > queued[0] / 2)
            throw new FormatException($"--trials: {trials} is more than half the smallest --queued ({queued[0]}); give --trials {Math.Max(1, queued[0] / 2)} or less, or a larger queue");
        return new Options(queued, trials, Positive("--loops", Value("--loops") ?? "3"),
            Positive("--runs", Value("--runs") ?? "5"), !clusterOnly, !embeddedOnly);
    }

    private static async Task<int> RunAsync(Options o)
    {
        Console.WriteLine($"dispatch: trivial trials, {o.Loops} pull loops, {o.Runs} runs per queue size; each run times the dispatch of K = {o.Trials} trials");
        Console.WriteLine("| setup | queued at start | trials timed | trials/s per run | min / median / max | CPU ms per trial (median): workers' client / silos / redis |");
        Console.WriteLine("|---|---:|---:|---|---|---|");
        if (o.Embedded) await Embedded(o);
        if (o.Cluster) await ThreeSilos(o);
        return 0;
    }

    private static async Task Embedded(Options o)
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-dispatch-bench").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; s.SiloPort = Loopback.FreePort(); s.GatewayPort = Loopback.FreePort(); });
        using var host = builder.Build();
        await host.StartAsync();
        try { await Measure("one embedded silo, in process (baseline)", host.Services.GetRequiredService<IGrainFactory>(), "emb", o, () => (TimeSpan.Zero, SelfCpu(), TimeSpan.Zero)); }
        finally { await host.StopAsync(); Directory.Delete(dir, true); }
    }

    private static async Task ThreeSilos(Options o)
    {
        using var redis = new RedisServer();
        await using var azurite = await AzuriteServer.StartAsync();
        using var cluster = new LocalCluster(redis, azurite.ConnectionString, "dispatch", "bench-token",
            new Dictionary<string, string> { ["EquiGrid:Worker:Enabled"] = "false", ["Logging:LogLevel:Default"] = "Error" });
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        // Submitting 10^5 trials takes a while: give that call room.
        using var client = await cluster.ConnectAsync(patience: TimeSpan.FromMinutes(2), responseTimeout: TimeSpan.FromMinutes(10));
        var grains = client.Services.GetRequiredService<IClusterClient>();
        await cluster.WaitUntilAllActiveAsync(grains); // so trial grains spread over all three
        var silos = cluster.Silos.Values.Select(p => System.Diagnostics.Process.GetProcessById(p.Id)).ToList();
        var redisProcess = System.Diagnostics.Process.GetProcessById(redis.ProcessId);
        (TimeSpan, TimeSpan, TimeSpan) Cpu()
        {
            foreach (var p in silos) p.Refresh();
            redisProcess.Refresh();
            return (SelfCpu(), silos.Aggregate(TimeSpan.Zero, (t, p) => t + p.TotalProcessorTime), redisProcess.TotalProcessorTime);
        }
        await Measure("three silo processes, Redis state, client calls", grains, "cl", o, Cpu);
    }

    /// <summary>Warms up, then for each queue size tops the queue up and times <see cref="Options.Runs"/> dispatches.</summary>
    /// <param name="cpu">CPU time used so far by the pull loops' client, the silos and redis (zero where not separate).</param>
    private static async Task Measure(string setup, IGrainFactory grains, string prefix, Options o, Func<(TimeSpan Client, TimeSpan Silos, TimeSpan Redis)> cpu)
    {
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        int studies = 0;
        // First calls pay for grain-type and connection setup, and the silos' code is tiered up by the JIT (with dynamic
        // PGO) over the first ~10^4 dispatches: measured at 1,000 queued, 40 timed runs of 500 rose from ~700 to ~3,000
        // trials/s. Without a long warm-up the first queue sizes measured carry that cost and look slower, so warm up
        // with 20,000 dispatches and time the steady state a long sweep runs in.
        int warmup = Math.Max(20_000, 4 * o.Trials);
        for (int w = 0, left = warmup; left > 0; w++, left -= MaxStudyTrials)
            await Submit(grains, $"{prefix}-warmup-{w}", Math.Min(left, MaxStudyTrials));
        await PullLoops(grains, warmup, o.Loops);
        foreach (var queued in o.Queued)
        {
            var rates = new List<double>();
            var cpuPerTrial = new List<(double Client, double Silos, double Redis)>();
            int timed = o.Trials;
            for (int run = 0; run < o.Runs; run++)
            {
                int pending = (await scheduler.GetSnapshot()).Pending;
                // A study holds at most MaxStudyTrials trials, so a large queue is several studies (sharing fairly).
                for (int missing = queued - pending; missing > 0; missing -= MaxStudyTrials)
                    await Submit(grains, $"{prefix}-q{queued}-{++studies}", Math.Min(missing, MaxStudyTrials));
                pending = (await scheduler.GetSnapshot()).Pending;
                if (pending != queued) throw new InvalidOperationException($"dispatch bench: {pending} trials queued after topping up to {queued}");
                var before = cpu();
                rates.Add(await PullLoops(grains, timed, o.Loops));
                var after = cpu();
                double Ms(TimeSpan a, TimeSpan b) => (b - a).TotalMilliseconds / timed;
                cpuPerTrial.Add((Ms(before.Client, after.Client), Ms(before.Silos, after.Silos), Ms(before.Redis, after.Redis)));
            }
            var sorted = rates.Order().ToArray();
            Console.WriteLine($"| {setup} | {queued:N0} | {timed:N0} | {string.Join(", ", rates.Select(r => r.ToString("F0")))} | " +
                              $"{sorted[0]:F0} / {sorted[sorted.Length / 2]:F0} / {sorted[^1]:F0} | " +
                              $"{Median(cpuPerTrial.Select(c => c.Client)):F2} / {Median(cpuPerTrial.Select(c => c.Silos)):F2} / {Median(cpuPerTrial.Select(c => c.Redis)):F2} |");
        }
    }

    private static double Median(IEnumerable<double> values) { var v = values.Order().ToArray(); return v[v.Length / 2]; }

    /// <summary>CPU time of this process (the embedded silo, or the cluster's client, with the pull loops).</summary>
    private static TimeSpan SelfCpu() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>Submits a study of <paramref name="count"/> trivial trials (one grid axis: the seed).</summary>
    private static async Task Submit(IGrainFactory grains, string studyId, int count)
    {
        var definition = new StudyDefinition
        {
            Id = studyId,
            Base = new TrialSpec { LSet = "0,1", Hidden = 2, Epochs = 1, MaxMolecules = 10 },
            Axes = [new GridAxis("seed", Enumerable.Range(1, count).Select(s => s.ToString()).ToList())],
        };
        await grains.GetGrain<IStudyGrain>(studyId).Submit(definition);
    }

    /// <summary>Leases and completes <paramref name="count"/> trials (of any study) with pull loops; trials/s.</summary>
    private static async Task<double> PullLoops(IGrainFactory grains, int count, int loops)
    {
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        int done = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, loops).Select(async w =>
        {
            var node = new NodeCapabilities { Name = $"bench-node-{w}", Cores = 2, MemoryBytes = 24L << 30 };
            while (Volatile.Read(ref done) < count)
            {
                var lease = await scheduler.Lease(node);
                if (lease is null) { await Task.Delay(1); continue; }
                var ack = await grains.GetGrain<ITrialGrain>(lease.TrialId).Complete(lease.Attempt, new TrialResult { Spec = lease.Config, Parameters = 1, WeightsSha256 = "bench" });
                if (ack != ReportAck.Accepted) throw new InvalidOperationException($"dispatch bench: completing {lease.TrialId} attempt {lease.Attempt} was refused ({ack})");
                Interlocked.Increment(ref done);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return done / sw.Elapsed.TotalSeconds;
    }
}
