using System.Diagnostics;
using EquiGrid.Grains.Security;
using EquiGrid.Grains.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// Three silos as separate processes on the cluster profile (real redis-server and Azurite on loopback). A silo is
/// SIGKILLed while a trial trains on it: the trial resumes on another silo from its latest checkpoint and ends with the
/// weights of an uninterrupted run of the same spec (which another trial of the same study computes).
/// </summary>
public class MultiProcessClusterTests(AzuriteServer azurite) : IClassFixture<AzuriteServer>
{
    private const string Token = "mp-token";

    private Process StartSilo(RedisServer redis, int index)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EquiGrid.Silo.dll"));
        foreach (var (k, v) in new Dictionary<string, string>
                 {
                     ["EquiGrid:Profile"] = "cluster", ["EquiGrid:Redis"] = redis.Configuration,
                     ["EquiGrid:BlobConnectionString"] = azurite.ConnectionString, ["EquiGrid:BlobContainer"] = "equigrid-mp",
                     ["EquiGrid:SiloPort"] = LocalServers.FreePort().ToString(), ["EquiGrid:GatewayPort"] = LocalServers.FreePort().ToString(),
                     ["EquiGrid:ClusterId"] = "mp", ["EquiGrid:ServiceId"] = "mp", ["EquiGrid:Token"] = Token,
                     ["EquiGrid:Scheduling:LeaseDuration"] = "00:00:04", ["EquiGrid:Scheduling:ScanInterval"] = "00:00:01",
                     ["EquiGrid:Worker:NodeName"] = $"silo{index}", ["EquiGrid:Worker:Threads"] = "1",
                     ["Logging:LogLevel:Default"] = "Warning",
                 })
            psi.ArgumentList.Add($"--{k}={v}");
        var p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<IHost> Connect(RedisServer redis)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(c =>
        {
            c.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis.Configuration));
            c.Configure<ClusterOptions>(o => { o.ClusterId = "mp"; o.ServiceId = "mp"; });
            c.AddOutgoingGrainCallFilter(ctx => { RequestContext.Set(ClusterToken.RequestContextKey, Token); return ctx.Invoke(); });
        });
        var host = builder.Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try { await host.StartAsync(); return host; }
            catch (Exception) when (DateTime.UtcNow < deadline) { await Task.Delay(1000); }
        }
    }

    [ClusterFact]
    public async Task A_SIGKILLed_silo_loses_no_trial_and_the_resumed_trial_matches_an_uninterrupted_run()
    {
        using var redis = new RedisServer();
        var silos = Enumerable.Range(0, 3).Select(i => StartSilo(redis, i)).ToList();
        try
        {
            using var client = await Connect(redis);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            // Two trials with identical specs except an extra axis: one is killed mid-training, the other is the reference.
            var def = new StudyDefinition
            {
                Id = "mp", MaxAttempts = 5,
                Base = new TrialConfig { LSet = "0,1", Hidden = 4, Epochs = 3, Seed = 11, MaxMolecules = 96, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 4, CheckpointEverySteps = 3 },
                Axes = [new GridAxis("extra.copy", ["a", "b"])],
            };
            var study = grains.GetGrain<IStudyGrain>("mp");
            await study.Submit(def);
            // Wait for a trial with a committed checkpoint, then SIGKILL the silo running it.
            TrialSnapshot victim;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (true)
            {
                var trials = await study.GetTrials();
                var candidate = trials.FirstOrDefault(t => t.Status.IsHeld() && t.LatestCheckpoint is not null && t.Node is not null);
                if (candidate is not null) { victim = candidate; break; }
                if (trials.FirstOrDefault(t => t.Error is not null) is { } failing) throw new Xunit.Sdk.XunitException($"attempt failed: {failing.Error}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException("no trial reached a checkpoint");
                await Task.Delay(200);
            }
            int index = int.Parse(victim.Node!["silo".Length..]);
            silos[index].Kill(); // SIGKILL: no graceful shutdown, the child sees its parent vanish and exits
            var killedAt = Stopwatch.StartNew();
            deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            StudySnapshot snap;
            while (true)
            {
                snap = await study.GetSnapshot();
                if (snap.Status != StudyStatus.Running) break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException("study did not finish after the kill");
                await Task.Delay(500);
            }
            Assert.Equal(StudyStatus.Completed, snap.Status);
            var resumed = (await study.GetTrials()).Single(t => t.TrialId == victim.TrialId);
            Assert.True(resumed.Attempt > victim.Attempt, $"the killed trial should have run again (attempt {resumed.Attempt})");
            Assert.NotEqual(victim.Node, resumed.Node);
            var hashes = snap.Rows.Select(r => r.Outcome!.WeightsSha256).Distinct().ToList();
            Assert.Single(hashes); // the resumed trial equals the uninterrupted one
        }
        finally
        {
            foreach (var s in silos) { if (!s.HasExited) { s.Kill(entireProcessTree: true); s.WaitForExit(5000); } }
        }
    }
}
