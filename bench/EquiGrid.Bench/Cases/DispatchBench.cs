using System.Diagnostics;
using EquiGrid.Grains;
using EquiGrid.Grains.Studies;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// Scheduling throughput of the grain layer with trivial trials: W concurrent pull loops play the workers (lease from
/// the scheduler, then complete the attempt at once with a fixed outcome), so what is timed is the lease + fenced
/// completion path with its persisted state writes, without any training. Two setups in one process:
/// the baseline, one embedded silo in this process (file grain storage), and the cluster profile, three silo processes
/// over a real redis-server (membership + grain state) with the loops calling in through a client, as a remote
/// worker's calls would. Usage: dispatch [trials = 300] [loops = 3] [--embedded-only]
/// </summary>
public static class DispatchBench
{
    public static int Run(string[] args)
    {
        var positional = args.Where(a => !a.StartsWith("--")).ToArray();
        int count = positional.Length > 0 ? int.Parse(positional[0]) : 300;
        int loops = positional.Length > 1 ? int.Parse(positional[1]) : 3;
        bool embeddedOnly = args.Contains("--embedded-only");
        return RunAsync(count, loops, embeddedOnly).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int count, int loops, bool embeddedOnly)
    {
        double embedded = await Embedded(count, loops);
        Console.WriteLine($"dispatch: {count} trivial trials, {loops} pull loops");
        Console.WriteLine("| setup | trials/s leased and completed | vs embedded |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| one embedded silo, in process (baseline) | {embedded:F0} | 1.00x |");
        if (embeddedOnly) return 0;
        if (RedisServer.Executable() is null || Loopback.AzuritePath() is null)
        {
            Console.Error.WriteLine("dispatch: redis-server or azurite-blob missing (bash scripts/test.sh installs both); ran the embedded baseline only");
            return 2;
        }
        double cluster = await ThreeSilos(count, loops);
        Console.WriteLine($"| three silo processes, Redis state, client calls | {cluster:F0} | {cluster / embedded:F2}x |");
        return 0;
    }

    private static async Task<double> Embedded(int count, int loops)
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-dispatch-bench").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; s.SiloPort = Loopback.FreePort(); s.GatewayPort = Loopback.FreePort(); });
        using var host = builder.Build();
        await host.StartAsync();
        try { return await PullLoops(host.Services.GetRequiredService<IGrainFactory>(), "dispatch-embedded", count, loops); }
        finally { await host.StopAsync(); Directory.Delete(dir, true); }
    }

    private static async Task<double> ThreeSilos(int count, int loops)
    {
        using var redis = new RedisServer();
        await using var azurite = await AzuriteServer.StartAsync();
        using var cluster = new LocalCluster(redis, azurite.ConnectionString, "dispatch", "bench-token",
            new Dictionary<string, string> { ["EquiGrid:Worker:Enabled"] = "false", ["Logging:LogLevel:Default"] = "Error" });
        for (int i = 0; i < 3; i++) cluster.StartSilo(i);
        using var client = await cluster.ConnectAsync(patience: TimeSpan.FromMinutes(2));
        var grains = client.Services.GetRequiredService<IClusterClient>();
        await cluster.WaitUntilAllActiveAsync(grains); // so trial grains spread over all three
        await PullLoops(grains, "dispatch-warmup", 30, loops); // first calls pay for grain-type and connection setup
        return await PullLoops(grains, "dispatch-cluster", count, loops);
    }

    /// <summary>Submits a study of <paramref name="count"/> trivial trials and drains it with pull loops; trials/s.</summary>
    private static async Task<double> PullLoops(IGrainFactory grains, string studyId, int count, int loops)
    {
        var yaml = $"study: {studyId}\ntrial:\n  max_molecules: 10\ngrid:\n  lsets: [\"0,1\"]\n  hidden: [2]\n  epochs: [1]\n  seeds: [{string.Join(",", Enumerable.Range(1, count))}]\n";
        var (definition, trials) = StudyFile.Parse(yaml, studyId + ".yaml");
        var study = grains.GetGrain<IStudyGrain>(definition.Id);
        await study.Submit(definition);
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        int done = 0;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, loops).Select(async w =>
        {
            var node = new NodeCapabilities { Name = $"bench-node-{w}", Cores = 2, MemoryBytes = 24L << 30 };
            while (Volatile.Read(ref done) < trials.Count)
            {
                var lease = await scheduler.Lease(node);
                if (lease is null) { await Task.Delay(1); continue; }
                var ack = await grains.GetGrain<ITrialGrain>(lease.TrialId).Complete(lease.Attempt, new TrialResult { Spec = lease.Config, Parameters = 1, WeightsSha256 = "bench" });
                if (ack == ReportAck.Accepted) Interlocked.Increment(ref done);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        double seconds = sw.Elapsed.TotalSeconds;
        var snap = await study.GetSnapshot();
        if (snap.Status != StudyStatus.Completed) throw new InvalidOperationException($"dispatch bench: study {studyId} ended {snap.Status}, expected Completed");
        return trials.Count / seconds;
    }
}
