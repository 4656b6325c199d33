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
public class TelemetryTests
{
    [Fact]
    public async Task Prometheus_endpoint_exposes_lease_and_heartbeat_metrics()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-otel-" + Guid.NewGuid().ToString("N"));
        int port = Loopback.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.AddEquiGridSilo(s =>
        {
            s.DataDir = dir; s.SiloPort = Loopback.FreePort(); s.GatewayPort = Loopback.FreePort(); s.Token = null;
            s.Telemetry.PrometheusPort = port;
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var node = TestStudies.Node("otel-node");
            await grains.GetGrain<INodeGrain>(node.Name).Heartbeat(node, []);
            await grains.GetGrain<IStudyGrain>("otel").Submit(TestStudies.Grid("otel", seeds: 1));
            Assert.NotNull(await grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).Lease(node));
            using var http = new HttpClient();
            string text = "";
            for (int i = 0; i < 20 && !(text.Contains("equigrid_leases_granted") && text.Contains("equigrid_node_heartbeats")); i++)
            {
                await Task.Delay(500);
                text = await http.GetStringAsync($"http://localhost:{port}/metrics");
            }
            Assert.Contains("equigrid_leases_granted", text);
            Assert.Contains("equigrid_node_heartbeats", text);
            Assert.Contains("equigrid_trials", text);
            Assert.Contains("state=\"leased\"", text);
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
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
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-trace-" + Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.AddEquiGridSilo(s => { s.DataDir = dir; s.SiloPort = Loopback.FreePort(); s.GatewayPort = Loopback.FreePort(); s.Token = null; });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
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
                await grains.GetGrain<ITrialGrain>(lease.TrialId).ReportProgress(lease.Attempt, new ProgressReport(0, 1, 10, 1.0, null, 5, false, null));
                Assert.Contains(grainCalls, c => c.TraceId == attempt.TraceId);
            }
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
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

        var dir = Path.Combine(Path.GetTempPath(), "equigrid-dash-" + Guid.NewGuid().ToString("N"));
        int port = Loopback.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration["EquiGrid:Worker:Enabled"] = "false";
        builder.AddEquiGridSilo(s => { s.DataDir = dir; s.SiloPort = Loopback.FreePort(); s.GatewayPort = Loopback.FreePort(); s.Token = null; s.Telemetry.PrometheusPort = port; });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            // One measurement on every instrument, so each series exists in the scrape.
            ClusterTelemetry.LeasesGranted.Add(1); ClusterTelemetry.LeasesLapsed.Add(1); ClusterTelemetry.StaleReports.Add(1);
            ClusterTelemetry.EpochDuration.Record(1.5); ClusterTelemetry.MoleculesPerSecond.Record(40);
            ClusterTelemetry.CheckpointBytes.Record(1 << 20); ClusterTelemetry.CheckpointLatency.Record(0.1); ClusterTelemetry.Heartbeats.Add(1);
            ClusterTelemetry.Utilisation.Record(0.5, new KeyValuePair<string, object?>("l", "1"), new KeyValuePair<string, object?>("lset", "0,1"));
            ClusterTelemetry.SetTrialState("dash/trial", TrialStatus.Running);
            using var http = new HttpClient();
            string text = "";
            for (int i = 0; i < 20 && !names.All(text.Contains); i++)
            {
                await Task.Delay(500);
                text = await http.GetStringAsync($"http://localhost:{port}/metrics");
            }
            Assert.All(names, n => Assert.Contains(n, text));
        }
        finally
        {
            ClusterTelemetry.ForgetTrial("dash/trial");
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EquiGrid.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("EquiGrid.sln not found above the test assembly");
    }
}
