using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EquiGrid.Grains;
using EquiGrid.Grains.Studies;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// Scheduling throughput of the grain layer: an embedded silo (file grain storage, no worker) holds a study of N
/// trivial trials; W concurrent pull loops play the workers (lease from the scheduler, then complete the attempt at
/// once with a fixed outcome). Reports trials dispatched and completed per second, i.e. the cost of the lease +
/// fenced completion path with its persisted state writes, without any training.
/// Usage: dispatch [trials = 300] [workers = 3]
/// </summary>
public static class DispatchBench
{
    public static int Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 300;
        int workers = args.Length > 1 ? int.Parse(args[1]) : 3;
        var dir = Directory.CreateTempSubdirectory("equigrid-dispatch-bench").FullName;
        try { return RunAsync(count, workers, dir).GetAwaiter().GetResult(); }
        finally { Directory.Delete(dir, true); }
    }

    private static async Task<int> RunAsync(int count, int workers, string dir)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; s.SiloPort = FreePort(); s.GatewayPort = FreePort(); });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            int seeds = count;
            var yaml = $"study: dispatch\ntrial:\n  max_molecules: 10\ngrid:\n  lsets: [\"0,1\"]\n  hidden: [2]\n  epochs: [1]\n  seeds: [{string.Join(",", Enumerable.Range(1, seeds))}]\n";
            var (definition, trials) = StudyFile.Parse(yaml, "dispatch.yaml");
            var study = grains.GetGrain<IStudyGrain>(definition.Id);
            await study.Submit(definition);
            var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
            int done = 0;
            var sw = Stopwatch.StartNew();
            var loops = Enumerable.Range(0, workers).Select(async w =>
            {
                var node = new NodeCapabilities { Name = $"bench-node-{w}", Cores = 2, MemoryBytes = 24L << 30 };
                while (Volatile.Read(ref done) < trials.Count)
                {
                    var lease = await scheduler.Lease(node);
                    if (lease is null) { await Task.Delay(1); continue; }
                    var ack = await grains.GetGrain<ITrialGrain>(lease.TrialId).Complete(lease.Attempt, new TrialOutcome { Parameters = 1, WeightsSha256 = "bench" });
                    if (ack == ReportAck.Accepted) Interlocked.Increment(ref done);
                }
            }).ToArray();
            await Task.WhenAll(loops);
            double seconds = sw.Elapsed.TotalSeconds;
            var snap = await study.GetSnapshot();
            Console.WriteLine($"dispatch: {trials.Count} trivial trials, {workers} pull loops, one embedded silo: {trials.Count / seconds:F0} trials/s leased and completed ({seconds:F2} s); study status {snap.Status}");
            return 0;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
