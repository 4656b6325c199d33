using System.Net.Http;
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
}
