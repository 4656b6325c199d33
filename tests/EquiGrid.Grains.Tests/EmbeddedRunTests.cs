using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// The embedded profile end to end with the real trainer in child processes: a trial interrupted by stopping the
/// whole silo mid-training resumes from its checkpoint after a restart on the same data folder, and finishes with the
/// same weights (SHA-256) as an uninterrupted run of the same spec.
/// </summary>
public class EmbeddedRunTests
{
    // Four epochs: the interrupted run must be stopped between its first committed checkpoint and its end, a window a
    // fast machine could train through between two polls with fewer steps.
    private static readonly TrialSpec Tiny = new()
    {
        LSet = "0,1", Hidden = 4, Epochs = 4, Seed = 7, MaxMolecules = 96, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 4,
        CheckpointEverySteps = 3,
    };

    /// <summary>
    /// The trials' lease (renewed every third): no renewal is late enough to lapse it on a loaded machine, and a resume
    /// that waited for it to lapse would take over 3 minutes, while one that found it handed back takes seconds (a slow
    /// silo start on a loaded machine included).
    /// </summary>
    private const string LongLease = "00:05:00";

    private static StudyDefinition Study(string id) => new()
    {
        Id = id, Base = Tiny, Axes = [new GridAxis("seed", ["7"])], MaxAttempts = 5,
    };

    private static IHost StartSilo(string dir, string lease = "00:00:03", string? node = null, bool worker = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
        builder.Configuration["EquiGrid:Scheduling:LeaseDuration"] = lease;
        if (node is not null) builder.Configuration["EquiGrid:Worker:NodeName"] = node;
        if (!worker) builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.Configuration["EquiGrid:Scheduling:ScanInterval"] = "00:00:01";
        builder.Configuration["EquiGrid:Worker:Threads"] = "1";
        builder.Configuration["EquiGrid:Worker:WorkDir"] = Path.Combine(dir, "work");
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; (s.SiloPort, s.GatewayPort) = Loopback.TwoFreePorts(); s.Token = null; });
        var host = builder.Build();
        host.Start();
        return host;
    }

    private static async Task<TrialSnapshot> WaitFor(IHost host, string studyId, Func<TrialSnapshot, bool> done, TimeSpan timeout)
    {
        var study = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStudyGrain>(studyId);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var t = (await study.GetTrials()).Single();
            if (done(t)) return t;
            if (t.Status == TrialStatus.Failed) throw new Xunit.Sdk.XunitException($"trial failed: {t.Error}");
            await Task.Delay(50); // often: the tiny trial's checkpointed-not-finished window may be short on a fast machine
        }
        throw new TimeoutException($"study {studyId} did not reach the expected state within {timeout}");
    }

    [Fact]
    public async Task A_study_interrupted_by_a_silo_restart_resumes_from_its_checkpoint_with_identical_weights()
    {
        var root = Path.Combine(Path.GetTempPath(), "equigrid-embedded-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Uninterrupted reference: a long lease, so a renewal delayed past a short one on a loaded machine cannot
            // interrupt it (a lapse would make it attempt 2).
            string reference;
            using (var host = StartSilo(Path.Combine(root, "a"), lease: LongLease))
            {
                await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStudyGrain>("ref").Submit(Study("ref"));
                var t = await WaitFor(host, "ref", t => t.Status == TrialStatus.Completed, TimeSpan.FromMinutes(3));
                Assert.Equal(1, t.Attempt);
                reference = t.Outcome!.WeightsSha256!;
                await host.StopAsync();
            }
            Assert.False(string.IsNullOrEmpty(reference));

            // Interrupted: stop the whole silo once a checkpoint is committed, then start a new one on the same folder.
            // A lease far longer than the restart may take on a loaded machine: a stopping worker hands its lease back,
            // so the restart must not wait for it to lapse.
            var dir = Path.Combine(root, "b");
            long checkpointStep;
            using (var host = StartSilo(dir, lease: LongLease))
            {
                await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStudyGrain>("cut").Submit(Study("cut"));
                var t = await WaitFor(host, "cut", t => t.LatestCheckpoint is not null, TimeSpan.FromMinutes(3));
                checkpointStep = t.LatestCheckpoint!.Step;
                Assert.NotEqual(TrialStatus.Completed, t.Status);
                await host.StopAsync(); // kills the child and hands the lease back
            }
            // Corrupt the newest checkpoint the trial grain committed (its list decides what the attempt resumes from; the
            // stop may have cut a newer save before its commit reached the grain): the resume must skip it, falling back
            // to an older one or to step 0, and the silo must log and count the skip. A silo without a worker reads the
            // grain's pointer from the stored state.
            string newest;
            using (var host = StartSilo(dir, lease: LongLease, worker: false))
            {
                var committed = (await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStudyGrain>("cut").GetTrials()).Single().LatestCheckpoint!;
                newest = Path.Combine(dir, "checkpoints", committed.Location);
                await host.StopAsync();
            }
            var bytes = File.ReadAllBytes(newest);
            bytes[^5] ^= 0xFF;
            File.WriteAllBytes(newest, bytes);
            long corruptSkips = 0;
            using var listener = new System.Diagnostics.Metrics.MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EquiGrid.Grains.Telemetry.ClusterTelemetry.Name && instrument.Name == "equigrid.checkpoints.corrupt") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref corruptSkips, value));
            listener.Start();
            var restarted = DateTime.UtcNow;
            using (var host = StartSilo(dir, lease: LongLease))
            {
                var resumed = await WaitFor(host, "cut", t => t.Attempt >= 2, TimeSpan.FromMinutes(3));
                Assert.True(DateTime.UtcNow - restarted < TimeSpan.FromMinutes(2.5), $"the interrupted trial waited {DateTime.UtcNow - restarted} for its old lease");
                // Stopping the silo is not the trial's failure: nothing counted against max_attempts.
                Assert.Equal((0, 1), (resumed.TrialFailures, resumed.InfrastructureFailures));
                var t = await WaitFor(host, "cut", t => t.Status == TrialStatus.Completed, TimeSpan.FromMinutes(3));
                Assert.True(t.Attempt >= 2, $"expected a resumed attempt, got attempt {t.Attempt}");
                Assert.True(t.LatestCheckpoint!.Step >= checkpointStep);
                Assert.Equal(reference, t.Outcome!.WeightsSha256);
                Assert.Equal(1, Interlocked.Read(ref corruptSkips));
                // The training time, summed over the trained epochs (before: 0 for every trial).
                Assert.True(t.Outcome.Seconds > 0);
                Assert.Equal(t.Outcome.Epochs.Sum(e => e.Seconds), t.Outcome.Seconds, 6);
                var snap = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStudyGrain>("cut").GetSnapshot();
                Assert.Equal(StudyStatus.Completed, snap.Status);
                await host.StopAsync();
            }
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Attempt_folders_left_by_a_killed_silo_are_removed_when_its_node_starts_again()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-leftover-" + Guid.NewGuid().ToString("N"));
        try
        {
            // What a SIGKILLed silo leaves: an attempt folder under its node's work folder. Another node's is not touched.
            var leftover = Directory.CreateDirectory(Path.Combine(dir, "work", "leftover-node", "0123abcd")).FullName;
            File.WriteAllText(Path.Combine(leftover, "spec.json"), "{}");
            var other = Directory.CreateDirectory(Path.Combine(dir, "work", "other-node", "4567ef01")).FullName;
            using var host = StartSilo(dir, node: "leftover-node");
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2); // the worker's start: seconds, more under load
            while (Directory.Exists(leftover) && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.False(Directory.Exists(leftover));
            Assert.True(Directory.Exists(other));
            await host.StopAsync();
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
