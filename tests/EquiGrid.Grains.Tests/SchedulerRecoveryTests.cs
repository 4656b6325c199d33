using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// The scheduler's queue survives a silo restart: the scheduler keeps its index in memory and its trials in queue
/// shards, so after a restart on the same state folder every trial that was queued is leased again, every trial that
/// was leased is leased again once its lease lapses, finished ones never, and none twice.
/// </summary>
public class SchedulerRecoveryTests
{
    private static IHost StartSilo(string dir)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        // Long enough that every lease-then-complete below lands inside its lease even when a loaded machine stalls a
        // grain call for seconds (1,470 of them; 2 s left little room), short enough that the held ones lapse soon.
        builder.Configuration["EquiGrid:Scheduling:LeaseDuration"] = "00:00:10";
        builder.Configuration["EquiGrid:Scheduling:ScanInterval"] = "00:00:00.500";
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; (s.SiloPort, s.GatewayPort) = Loopback.TwoFreePorts(); s.Token = null; });
        var host = builder.Build();
        host.Start();
        return host;
    }

    [Fact]
    public async Task No_queued_or_leased_trial_is_lost_when_the_silo_restarts()
    {
        const int trials = 1500; // two queue shards
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-recovery-" + Guid.NewGuid().ToString("N"));
        var definition = new StudyDefinition
        {
            Id = "recover", Base = new TrialSpec { LSet = "0,1", Hidden = 2, Epochs = 1, MaxMolecules = 10 },
            Axes = [new GridAxis("seed", Enumerable.Range(1, trials).Select(s => s.ToString()).ToList())],
        };
        var completed = new HashSet<string>();
        var held = new HashSet<string>();
        try
        {
            List<string> all;
            using (var host = StartSilo(dir))
            {
                var grains = host.Services.GetRequiredService<IGrainFactory>();
                all = (await grains.GetGrain<IStudyGrain>("recover").Submit(definition)).Rows.Select(r => r.TrialId).ToList();
                var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
                for (int i = 0; i < 30; i++)
                {
                    var lease = await scheduler.Lease(TestStudies.Node("before"));
                    Assert.NotNull(lease);
                    if (i % 3 == 0) held.Add(lease.TrialId); // never renewed: lapses after the restart
                    else
                    {
                        Assert.Equal(ReportAck.Accepted, await grains.GetGrain<ITrialGrain>(lease.TrialId).Complete(lease.Attempt, TestStudies.Outcome(0.1)));
                        completed.Add(lease.TrialId);
                    }
                }
                await host.StopAsync();
            }

            using (var host = StartSilo(dir))
            {
                var grains = host.Services.GetRequiredService<IGrainFactory>();
                var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
                var leased = new Dictionary<string, int>();
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
                while (leased.Count < trials - completed.Count && DateTime.UtcNow < deadline)
                {
                    var lease = await scheduler.Lease(TestStudies.Node("after"));
                    if (lease is null) { await Task.Delay(200); continue; } // the held ones come back when their leases lapse
                    Assert.True(leased.TryAdd(lease.TrialId, lease.Attempt), $"{lease.TrialId} was leased twice");
                    Assert.Equal(ReportAck.Accepted, await grains.GetGrain<ITrialGrain>(lease.TrialId).Complete(lease.Attempt, TestStudies.Outcome(0.2)));
                }
                Assert.Equal(all.Except(completed).Order(), leased.Keys.Order());
                Assert.All(held, id => Assert.Equal(2, leased[id]));
                Assert.All(leased.Where(l => !held.Contains(l.Key)), l => Assert.Equal(1, l.Value));
                Assert.Null(await scheduler.Lease(TestStudies.Node("after")));
                var study = await grains.GetGrain<IStudyGrain>("recover").GetSnapshot();
                Assert.Equal(StudyStatus.Completed, study.Status);
                await host.StopAsync();
            }
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
