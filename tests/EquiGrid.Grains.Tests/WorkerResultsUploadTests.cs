using System.Collections.Concurrent;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using EquiGrid.Silo.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// The worker's results upload with the real trainer in child processes: an embedded silo with a results store
/// registered takes the cluster profile's path (export to scratch, upload, then complete). The store here is a test
/// double that can fail, so the ordering and the failure handling are observable without a blob server.
/// </summary>
public class WorkerResultsUploadTests
{
    private static StudyDefinition Study(string id, int maxAttempts) => new()
    {
        Id = id, MaxAttempts = maxAttempts, Axes = [new GridAxis("seed", ["7"])],
        Base = new TrialSpec { LSet = "0,1", Hidden = 4, Epochs = 1, Seed = 7, MaxMolecules = 64, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 4, CheckpointEverySteps = 4 },
    };

    /// <summary>Records each upload (the files and the trial's status at that moment); fails the first N per study.</summary>
    private sealed class RecordingStore(Func<IGrainFactory> grains, IReadOnlyDictionary<string, int> failFirst) : IResultsStore
    {
        public readonly ConcurrentQueue<(string Study, string Trial, string[] Files, TrialStatus StatusDuringUpload)> Uploads = new();
        private readonly ConcurrentDictionary<string, int> _calls = new();

        public async Task<ResultsTransfer> UploadTrialAsync(string studyId, string trialName, string folder, CancellationToken ct = default)
        {
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order().ToArray();
            var status = (await grains().GetGrain<ITrialGrain>($"{studyId}/{trialName}").GetSnapshot()).Status;
            Uploads.Enqueue((studyId, trialName, files, status));
            if (_calls.AddOrUpdate(studyId, 1, (_, n) => n + 1) <= failFirst.GetValueOrDefault(studyId))
                throw new IOException("blob endpoint refused the upload (test)");
            return new ResultsTransfer(1, files.Length, files.Sum(f => new FileInfo(Path.Combine(folder, f)).Length));
        }
    }

    [Fact]
    public async Task A_trial_completes_only_after_its_upload_and_a_failed_upload_fails_the_attempt()
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-upload-").FullName;
        IHost? host = null;
        var store = new RecordingStore(() => host!.Services.GetRequiredService<IGrainFactory>(), new Dictionary<string, int> { ["retry"] = 1, ["never"] = 99 });
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
            builder.Configuration["EquiGrid:Worker:Threads"] = "1";
            builder.Configuration["EquiGrid:Worker:Slots"] = "2";
            // A failed upload is the storage's fault, not the trial's: it is retried (after a short backoff here) up to
            // the infrastructure cap, whatever max_attempts says.
            builder.Configuration["EquiGrid:Scheduling:MaxInfrastructureFailures"] = "2";
            builder.Configuration["EquiGrid:Scheduling:InfrastructureBackoff"] = "00:00:00.2";
            builder.Configuration["EquiGrid:Worker:WorkDir"] = Path.Combine(dir, "work");
            builder.Services.AddSingleton<IResultsStore>(store);
            builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; (s.SiloPort, s.GatewayPort) = Loopback.TwoFreePorts(); s.Token = null; });
            host = builder.Build();
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<IStudyGrain>("retry").Submit(Study("retry", maxAttempts: 3));
            await grains.GetGrain<IStudyGrain>("never").Submit(Study("never", maxAttempts: 1));

            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            IReadOnlyList<TrialSnapshot> retry, never;
            while (true)
            {
                retry = await grains.GetGrain<IStudyGrain>("retry").GetTrials();
                never = await grains.GetGrain<IStudyGrain>("never").GetTrials();
                if (retry.All(t => t.Status.IsTerminal()) && never.All(t => t.Status.IsTerminal())) break;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"still running: {retry[0].Status}, {never[0].Status}");
                await Task.Delay(250);
            }

            // Retried after the failed upload, completed by the second attempt, whose upload came first.
            var done = Assert.Single(retry);
            Assert.Equal(TrialStatus.Completed, done.Status);
            Assert.Equal(2, done.Attempt);
            var retryUploads = store.Uploads.Where(u => u.Study == "retry").ToList();
            Assert.Equal(2, retryUploads.Count);
            Assert.All(retryUploads, u => Assert.NotEqual(TrialStatus.Completed, u.StatusDuringUpload));
            // The trial runner analysed the export next to the model: utilisation.json (and the NSPS it used) travel too.
            string[] folder = ["analysis/nsps.tsv", "embeddings/ablation.json", "embeddings/embeddings.json", "embeddings/embeddings.npy",
                "embeddings/embeddings_before_final.npy", "metrics.jsonl", "result.json", "utilisation.json"];
            Assert.All(retryUploads, u => Assert.Equal(folder.Order(), u.Files));
            // ... and its summary came back with the result, into the trial grain and the study table.
            Assert.Equal([0, 1], done.Outcome!.Utilisation!.Blocks.Select(b => b.L));
            Assert.Equal([0, 1], (await grains.GetGrain<IStudyGrain>("retry").GetSnapshot()).Rows.Single().Result!.Utilisation!.Blocks.Select(b => b.L));

            // Never uploaded: never completed, and the error says why.
            var failed = Assert.Single(never);
            Assert.Equal(TrialStatus.Failed, failed.Status);
            Assert.Contains("uploading the analysis folder to results/never/", failed.Error);
            Assert.Contains("blob endpoint refused the upload", failed.Error);
            Assert.Contains("gave up after 2 infrastructure failures", failed.Error);
            Assert.Equal((0, 2), (failed.TrialFailures, failed.InfrastructureFailures));

            // The scratch export is gone with its attempt (no ResultsDir: nothing stays on the node). The worker deletes
            // it after reporting the attempt's end, so the grain can say "failed" a moment before the folder is gone.
            var scratch = Path.Combine(dir, "work");
            for (var until = DateTime.UtcNow.AddMinutes(2); Directory.EnumerateFiles(scratch, "*", SearchOption.AllDirectories).Any() && DateTime.UtcNow < until;)
                await Task.Delay(100);
            Assert.Empty(Directory.EnumerateFiles(scratch, "*", SearchOption.AllDirectories));
            await host.StopAsync();
        }
        finally
        {
            host?.Dispose();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
