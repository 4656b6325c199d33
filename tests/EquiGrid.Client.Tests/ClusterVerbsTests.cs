using System.Text.Json;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Client.Cli;
using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using EquiGrid.Silo.Results;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Client.Tests;

/// <summary>An embedded silo without a worker, shared by the cluster-verb tests: trials are moved by hand through the grains.</summary>
public sealed class WorkerlessSilo : IAsyncLifetime
{
    public const string Token = "verbs-token-5c1d";
    private readonly string _dir = Directory.CreateTempSubdirectory("equigrid-verbs-").FullName;
    private IHost? _host;

    /// <summary>host:port of the gateway.</summary>
    public string Gateway { get; private set; } = "";

    /// <summary>The silo's grain factory; calls made through it carry the token (set on the caller's request context).</summary>
    public IGrainFactory Grains
    {
        get
        {
            RequestContext.Set(ClusterToken.RequestContextKey, Token);
            return _host!.Services.GetRequiredService<IGrainFactory>();
        }
    }

    /// <summary>A scratch folder for study files.</summary>
    public string Dir => _dir;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        var (silo, gateway) = Loopback.TwoFreePorts();
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = _dir; s.SiloPort = silo; s.GatewayPort = gateway; s.Token = Token; });
        _host = builder.Build();
        await _host.StartAsync();
        Gateway = $"127.0.0.1:{gateway}";
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) { await _host.StopAsync(); _host.Dispose(); }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>The cluster verbs as a user runs them against a live silo: retry, re-submission, results, JSON states, errors.</summary>
public class ClusterVerbsTests(WorkerlessSilo silo) : IClassFixture<WorkerlessSilo>
{
    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var psi = CliProcess.StartInfo([.. args, "--gateway", silo.Gateway, "--token", WorkerlessSilo.Token]);
        psi.Environment["EQUIGRID_CONFIG"] = Path.Combine(silo.Dir, "no-such-config.json");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("equigrid did not finish: " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static void AssertOneLineError((int Code, string Out, string Err) r, int code, string expected)
    {
        Assert.Equal(code, r.Code);
        var line = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("equigrid: ", line);
        Assert.Contains(expected, line);
    }

    /// <summary>Writes a two-trial study file (max_attempts 1) and submits it through the CLI.</summary>
    private string SubmitStudy(string id)
    {
        var file = Path.Combine(silo.Dir, id + ".yaml");
        File.WriteAllText(file, $"""
            study: {id}
            max_attempts: 1
            trial:
              max_molecules: 64
              batch_size: 8
            grid:
              lsets: ["0,1"]
              hidden: [4]
              epochs: [1]
              seeds: [1, 2]
            """);
        var r = Cli("submit", file);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"submitted {id}: 2 trials", r.Out);
        return file;
    }

    /// <summary>Leases every queued trial of the study (from inside the silo) and ends each as the callback says.</summary>
    private async Task<List<string>> Finish(string id, Func<string, TrialLease, ITrialGrain, Task> end)
    {
        var ids = new List<string>();
        foreach (var row in (await silo.Grains.GetGrain<IStudyGrain>(id).GetSnapshot()).Rows)
        {
            var trial = silo.Grains.GetGrain<ITrialGrain>(row.TrialId);
            var lease = await trial.TryLease("verbs-node", TimeSpan.FromMinutes(5));
            if (lease is null) continue;
            await end(row.TrialId, lease, trial);
            ids.Add(row.TrialId);
        }
        return ids;
    }

    private static TrialResult Outcome => new() { Spec = new TrialSpec { LSet = "0", Hidden = 1 }, TestMaeEv = 0.2, TestRmseEv = 0.3, Parameters = 10, WeightsSha256 = "ab", Epochs = [new EpochMetrics(0, 1, 0.9, 2.5)], Seconds = 2.5 };

    [Fact]
    public async Task Retry_requeues_failed_trials_and_a_resubmission_points_to_it()
    {
        var id = "verbs-retry";
        var file = SubmitStudy(id);
        int n = 0;
        await Finish(id, (_, lease, trial) => n++ == 0
            ? trial.Fail(lease.Attempt, "trial runner exited with 1: NaN loss")
            : trial.Complete(lease.Attempt, Outcome));
        var snap = await silo.Grains.GetGrain<IStudyGrain>(id).GetSnapshot();
        var failed = snap.Rows.Single(r => r.Status == TrialStatus.Failed).TrialId;
        var completed = snap.Rows.Single(r => r.Status == TrialStatus.Completed).TrialId;

        // Before: "submitted" and nothing else, although nothing was re-run.
        var again = Cli("submit", file);
        Assert.Equal(0, again.Code);
        Assert.Contains("already submitted", again.Out);
        Assert.Contains($"equigrid retry {id}", again.Out);

        AssertOneLineError(Cli("retry", "no-such-study"), ExitCodes.Usage, "does not exist");
        AssertOneLineError(Cli("retry", id, completed.Split('/')[1]), ExitCodes.Usage, "only failed trials can be retried");
        AssertOneLineError(Cli("retry", id, "L9_h1"), ExitCodes.Usage, "not in study");

        var r = Cli("retry", id, "--json");
        Assert.True(r.Code == 0, r.Err);
        using (var doc = JsonDocument.Parse(r.Out))
            Assert.Equal(failed, Assert.Single(doc.RootElement.GetProperty("retried").EnumerateArray()).GetString());
        var trialSnap = await silo.Grains.GetGrain<ITrialGrain>(failed).GetSnapshot();
        Assert.Equal((TrialStatus.Queued, 0), (trialSnap.Status, trialSnap.TrialFailures));
        var none = Cli("retry", id);
        Assert.Equal(0, none.Code);
        Assert.Contains("nothing to retry", none.Out);
    }

    [Fact]
    public async Task Trials_and_results_json_give_the_state_as_the_same_word()
    {
        var id = "verbs-json";
        SubmitStudy(id);
        await Finish(id, (_, lease, trial) => trial.Complete(lease.Attempt, Outcome));
        var trials = Cli("trials", id, "--json");
        var results = Cli("results", id, "--json");
        Assert.True(trials.Code == 0 && results.Code == 0, trials.Err + results.Err);
        using var t = JsonDocument.Parse(trials.Out);
        using var res = JsonDocument.Parse(results.Out);
        // Before, trials --json said 4 and results --json "completed".
        Assert.All(t.RootElement.EnumerateArray(), e => Assert.Equal("completed", e.GetProperty("status").GetString()));
        Assert.All(res.RootElement.GetProperty("rows").EnumerateArray(), e => Assert.Equal("completed", e.GetProperty("status").GetString()));
        // results --json is the study table in its one JSON form (the file pull and run save).
        var table = ContractJson.Deserialize<StudyTable>(results.Out, "results --json");
        Assert.Equal((id, StudyStatus.Completed), (table.Study, table.Status));
        Assert.Equal(0.2, table.Rows[0].Result!.TestMaeEv);
        var status = Cli("status", "--json");
        using var s = JsonDocument.Parse(status.Out);
        Assert.Contains(s.RootElement.EnumerateArray(), e => e.GetProperty("study_id").GetString() == id && e.GetProperty("status").GetString() == "completed");
    }

    [AzuriteFact]
    public async Task Pull_saves_the_study_grains_table_beside_the_verified_folders_and_the_report_renders_that_table()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var id = "verbs-pull";
        SubmitStudy(id);
        var ids = await Finish(id, (_, lease, trial) => trial.Complete(lease.Attempt, Outcome));
        // The workers' uploads: synthetic analysis folders under the trials' names (their own result.json says MAE 3.694 eV).
        var names = ids.Select(t => t.Split('/')[1]).ToList();
        var exported = SyntheticStudy.Write(Path.Combine(silo.Dir, "pull-export"), names.Select(n => new SyntheticStudy.Trial(n, "0,1", 4, [0], 0.2)).ToArray(), molecules: 120, seed: 3);
        var store = new BlobResultsStore(azurite.ConnectionString, "pull-test");
        foreach (var n in names) await store.UploadTrialAsync(id, n, Path.Combine(exported, n));
        var config = Path.Combine(silo.Dir, "pull-cluster.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, string> { ["blob"] = azurite.ConnectionString, ["container"] = "pull-test" }));

        AssertOneLineError(Cli("pull", "nope", "--config", config, "--to", silo.Dir), ExitCodes.Usage, "study 'nope' does not exist on the cluster");
        var to = Path.Combine(silo.Dir, "pulled");
        var r = Cli("pull", id, "--config", config, "--to", to, "--report", "--json");
        Assert.True(r.Code == 0, r.Err);
        var folder = Path.Combine(to, id);
        // The table is the study grain's, as `results --json` prints it.
        var saved = ContractJson.Read<StudyTable>(Path.Combine(folder, StudyTable.FileName));
        Assert.Equal(ContractJson.Serialize((await silo.Grains.GetGrain<IStudyGrain>(id).GetSnapshot()).Table()), ContractJson.Serialize(saved));
        Assert.Equal(File.ReadAllBytes(Path.Combine(exported, names[0], "embeddings", "embeddings.npy")), File.ReadAllBytes(Path.Combine(folder, names[0], "embeddings", "embeddings.npy")));
        var html = Path.Combine(folder, "report.html");
        Assert.Contains(JsonEncodedText.Encode(html).ToString(), r.Out);
        var page = File.ReadAllText(html);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(page, "<tr class=\"trial\">").Count);
        // The table's numbers (the grain's MAE 0.2 eV), not the folders' result.json; the figures from the pulled embeddings.
        Assert.Contains("<td>0.200</td>", page);
        Assert.DoesNotContain("<td>3.694</td>", page);
        Assert.Contains("PHATE of the embedding after the final block", page);

        // The flag wins over the config file: a container with nothing in it is "does not exist", exit 2.
        AssertOneLineError(Cli("pull", id, "--config", config, "--container", "empty-one", "--to", silo.Dir), ExitCodes.Usage, "container 'empty-one' does not exist");
    }

    [Fact]
    public void Results_of_an_unknown_study_is_an_error_not_an_empty_table()
    {
        // Before: exit 0 and an empty table.
        AssertOneLineError(Cli("results", "no-such-study"), ExitCodes.Usage, "study 'no-such-study' does not exist");
        AssertOneLineError(Cli("results", "no-such-study", "--json"), ExitCodes.Usage, "does not exist");
        AssertOneLineError(Cli("trials", "no-such-study"), ExitCodes.Usage, "does not exist");
    }

    [Fact]
    public void An_error_whose_message_carries_a_stack_trace_is_printed_as_one_line()
    {
        // What Orleans' storage bridge throws while Redis is down: the provider's exception with its stack in the message.
        var e = new OrleansException("Error from storage provider RedisGrainStorage.trial during WriteStateAsync for grain trial/x\n" +
                                     "Exc level 0: StackExchange.Redis.RedisConnectionException: No connection is available\n   at StackExchange.Redis.ConnectionMultiplexer.ExecuteSyncImpl()");
        Assert.Equal("Error from storage provider RedisGrainStorage.trial during WriteStateAsync for grain trial/x", CliApp.OneLine(e));
        Assert.Equal("upload failed: disk full", CliApp.OneLine(new InvalidOperationException("upload failed:\n", new IOException("disk full\n   at X.Y()"))));
    }
}
