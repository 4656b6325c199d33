using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http;
using EquiGrid.Grains.Telemetry;
using EquiGrid.Grains.Tests.Infrastructure;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Grains.Tests;

/// <summary>The silo's Prometheus endpoint serves the cluster metrics after real grain activity.</summary>
[Collection(ProcessWideMetrics.Name)]
public class TelemetryTests
{
    [Fact]
    public async Task Prometheus_endpoint_exposes_lease_and_heartbeat_metrics()
    {
        int port = Loopback.FreePort();
        await using var silo = await WorkerlessSilo.StartAsync(prometheusPort: port);
        var grains = silo.Grains;
        var node = TestStudies.Node("otel-node");
        await grains.GetGrain<INodeGrain>(node.Name).Heartbeat(node, []);
        await grains.GetGrain<IStudyGrain>("otel").Submit(TestStudies.Grid("otel", seeds: 1));
        Assert.NotNull(await grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).Lease(node));
        var text = await Scrape(port, t => t.Contains("equigrid_leases_granted") && t.Contains("equigrid_node_heartbeats"));
        Assert.Contains("equigrid_leases_granted", text);
        Assert.Contains("equigrid_node_heartbeats", text);
        Assert.Contains("equigrid_trials", text);
        Assert.Contains("state=\"leased\"", text);
    }

    [Fact]
    public async Task Every_attempt_trace_links_back_to_the_submit_span_of_its_study()
    {
        var submits = new ConcurrentBag<Activity>();
        var grainCalls = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ClusterTelemetry.Name or "Microsoft.Orleans.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.OperationName == "study.submit" && (a.GetTagItem("equigrid.study") as string) == "trace-link") submits.Add(a);
                if (a.Source.Name == "Microsoft.Orleans.Application") grainCalls.Add(a);
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var silo = await WorkerlessSilo.StartAsync();
        var grains = silo.Grains;
        await grains.GetGrain<IStudyGrain>("trace-link").Submit(TestStudies.Grid("trace-link", seeds: 2));
        var submit = Assert.Single(submits);
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        for (int i = 0; i < 2; i++)
        {
            var lease = await scheduler.Lease(TestStudies.Node($"trace-node-{i}"));
            Assert.NotNull(lease);
            Assert.Equal(submit.Id, lease.SubmitTrace);
            using var attempt = ClusterTelemetry.StartAttempt(lease);
            Assert.NotNull(attempt);
            Assert.NotEqual(submit.TraceId, attempt.TraceId); // its own trace...
            Assert.Equal(submit.TraceId, Assert.Single(attempt.Links).Context.TraceId); // ...linked to the submission
            // Grain calls made inside the attempt belong to its trace (Orleans activity propagation).
            await grains.GetGrain<ITrialGrain>(lease.TrialId).ReportProgress(lease.Attempt, new TrainingProgress { Epoch = 0, Step = 1, TotalSteps = 10, TrainLoss = 1.0, MoleculesPerSecond = 5 });
            Assert.Contains(grainCalls, c => c.TraceId == attempt.TraceId);
        }
    }

    [Fact]
    public async Task The_Grafana_dashboard_queries_only_metrics_the_silo_exports()
    {
        var dashboard = Path.Combine(RepoRoot(), "deploy", "grafana", "equigrid-cluster.json");
        var exprs = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dashboard)).RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("targets", out var t) ? t.EnumerateArray() : Enumerable.Empty<System.Text.Json.JsonElement>())
            .Select(t => t.GetProperty("expr").GetString()!).ToList();
        var names = exprs.SelectMany(e => System.Text.RegularExpressions.Regex.Matches(e, @"\b(equigrid_[a-z_]+|dotnet_[a-z_]+|process_[a-z_]+)").Select(m => m.Value)).Distinct().ToList();
        Assert.True(names.Count >= 8, $"dashboard queries only {names.Count} metrics");

        int port = Loopback.FreePort();
        await using var silo = await WorkerlessSilo.StartAsync(prometheusPort: port);
        try
        {
            // One measurement on every instrument, so each series exists in the scrape.
            ClusterTelemetry.LeasesGranted.Add(1); ClusterTelemetry.LeasesLapsed.Add(1); ClusterTelemetry.StaleReports.Add(1);
            ClusterTelemetry.EpochDuration.Record(1.5); ClusterTelemetry.MoleculesPerSecond.Record(40);
            ClusterTelemetry.CheckpointBytes.Record(1 << 20); ClusterTelemetry.CheckpointLatency.Record(0.1); ClusterTelemetry.Heartbeats.Add(1);
            ClusterTelemetry.Utilisation.Record(0.5, new KeyValuePair<string, object?>("l", "1"), new KeyValuePair<string, object?>("lset", "0,1"));
            ClusterTelemetry.SetTrialState("dash/trial", TrialStatus.Running);
            var text = await Scrape(port, t => names.All(t.Contains));
            Assert.All(names, n => Assert.Contains(n, text));
        }
        finally
        {
            ClusterTelemetry.ForgetTrial("dash/trial");
        }
    }

    [Fact]
    public async Task The_alert_rules_use_only_metrics_the_silo_exports_after_real_activity()
    {
        var rules = Path.Combine(RepoRoot(), "deploy", "prometheus", "alerts.yml");
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        using (var reader = new StreamReader(rules)) yaml.Load(reader);
        var exprs = ((YamlDotNet.RepresentationModel.YamlSequenceNode)((YamlDotNet.RepresentationModel.YamlMappingNode)yaml.Documents[0].RootNode)["groups"])
            .Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .SelectMany(g => ((YamlDotNet.RepresentationModel.YamlSequenceNode)g["rules"]).Cast<YamlDotNet.RepresentationModel.YamlMappingNode>())
            .Select(r => ((YamlDotNet.RepresentationModel.YamlScalarNode)r["expr"]).Value!).ToList();
        var names = exprs.SelectMany(e => System.Text.RegularExpressions.Regex.Matches(e, @"\bequigrid_[a-z_]+").Select(m => m.Value)).Distinct().ToList();
        Assert.True(names.Count >= 5, $"the alert rules use only {names.Count} EquiGrid metrics");

        int port = Loopback.FreePort();
        await using var silo = await WorkerlessSilo.StartAsync(prometheusPort: port);
        var grains = silo.Grains;
        // Real activity wherever a grain call produces the series: a heartbeat, a lease, a progress report, a reported
        // failure that uses up the trial's only attempt. Checkpoint failures are relayed by a worker from its trial
        // runner, so those two instruments are recorded directly.
        var node = TestStudies.Node("alert-node");
        await grains.GetGrain<INodeGrain>(node.Name).Heartbeat(node, []);
        await grains.GetGrain<IStudyGrain>("alerts").Submit(TestStudies.Grid("alerts", seeds: 1, maxAttempts: 1));
        var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
        var running = await scheduler.Lease(node);
        var failing = await scheduler.Lease(node);
        Assert.NotNull(running);
        Assert.NotNull(failing);
        Assert.Equal(ReportAck.Accepted, await grains.GetGrain<ITrialGrain>(running.TrialId).ReportProgress(running.Attempt, new TrainingProgress { Epoch = 0, Step = 1, TotalSteps = 10, TrainLoss = 1.0, MoleculesPerSecond = 5 }));
        Assert.Equal(ReportAck.Accepted, await grains.GetGrain<ITrialGrain>(failing.TrialId).Fail(failing.Attempt, "alert test"));
        ClusterTelemetry.CheckpointSaveFailures.Add(1);
        ClusterTelemetry.CorruptCheckpoints.Add(1);
        var text = await Scrape(port, t => names.All(t.Contains));
        Assert.All(names, n => Assert.Contains(n, text));
        Assert.Contains("study=\"alerts\"", text); // the per-study alerts group by this label
    }

    /// <summary>
    /// Scrapes the silo's Prometheus endpoint until <paramref name="ready"/> holds (at most 2 min: a bound for a loaded
    /// machine, where 20 scrapes in ~10 s could all come before the exporter served the series); the last text.
    /// </summary>
    private static async Task<string> Scrape(int port, Func<string, bool> ready)
    {
        using var http = new HttpClient();
        string text = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!ready(text) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            text = await http.GetStringAsync($"http://localhost:{port}/metrics");
        }
        return text;
    }

    /// <summary>An embedded silo in this process with its worker off (grains driven by the test), in a temp folder.</summary>
    private sealed class WorkerlessSilo : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly string _dir;
        private WorkerlessSilo(IHost host, string dir) { _host = host; _dir = dir; }

        public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

        public static async Task<WorkerlessSilo> StartAsync(int prometheusPort = 0)
        {
            var dir = Directory.CreateTempSubdirectory("equigrid-telemetry-").FullName;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.SetMinimumLevel(LogLevel.Error);
            builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
            builder.AddEquiGridSilo(s =>
            {
                s.DataDir = dir; (s.SiloPort, s.GatewayPort) = Loopback.TwoFreePorts(); s.Token = null;
                s.Telemetry.PrometheusPort = prometheusPort;
            });
            var host = builder.Build();
            await host.StartAsync();
            return new WorkerlessSilo(host, dir);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EquiGrid.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("EquiGrid.sln not found above the test assembly");
    }
}

/// <summary>
/// Tests that record on the process-wide instruments directly (<see cref="ClusterTelemetry"/>'s counters are static) run
/// alone: a test beside them that counts an instrument with a MeterListener (EmbeddedRunTests counts corrupt-checkpoint
/// skips) would count their measurements too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetrics
{
    public const string Name = "process-wide metrics";
}
