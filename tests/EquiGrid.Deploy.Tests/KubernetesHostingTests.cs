using System.Net;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace EquiGrid.Deploy.Tests;

/// <summary>
/// The silo's switch to Orleans' Kubernetes hosting, checked without a cluster: the options the silo would run with in a
/// pod (name, advertised address, listening endpoints) and the agent that watches pods. These tests set process
/// environment variables, so they run in a collection of their own, never beside another test.
/// </summary>
[Collection(ProcessEnvironment.Name)]
public class KubernetesHostingTests
{
    private static (IHost Host, IServiceCollection Services) Build(bool? kubernetes, string advertised = "127.0.0.1")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["EquiGrid:Profile"] = "cluster";
        builder.Configuration["EquiGrid:Redis"] = "127.0.0.1:6379";
        builder.Configuration["EquiGrid:BlobConnectionString"] = EquiGrid.LocalServers.Loopback.AzuriteConnectionString(10000);
        builder.Configuration["EquiGrid:SiloPort"] = "11111";
        builder.Configuration["EquiGrid:GatewayPort"] = "30000";
        builder.Configuration["EquiGrid:AdvertisedAddress"] = advertised;
        if (kubernetes is { } k) builder.Configuration["EquiGrid:Kubernetes"] = k ? "true" : "false";
        builder.AddEquiGridSilo();
        return (builder.Build(), builder.Services);
    }

    // Looked up among the registrations: the agent connects to the API server as soon as it is created.
    private static bool HasKubernetesAgent(IServiceCollection services) =>
        services.Any(d => d.ServiceType == typeof(ILifecycleParticipant<ISiloLifecycle>) && d.ImplementationType?.Name == "KubernetesClusterAgent");

    [Fact]
    public void In_a_pod_the_silo_takes_its_name_and_address_from_the_pod_and_listens_on_every_interface()
    {
        using var env = new ProcessEnvironment(new()
        {
            ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["POD_NAME"] = "equigrid-silo-1", ["POD_NAMESPACE"] = "equigrid", ["POD_IP"] = "10.244.3.7",
        });
        var settings = new SiloSettings { Profile = "cluster" };
        Assert.True(SiloSetup.RunsOnKubernetes(settings)); // detected: Kubernetes not set
        var (host, services) = Build(kubernetes: null);
        using var _ = host;
        Assert.True(HasKubernetesAgent(services));
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Parse("10.244.3.7"), endpoints.AdvertisedIPAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 11111), endpoints.SiloListeningEndpoint);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 30000), endpoints.GatewayListeningEndpoint);
        Assert.Equal("equigrid-silo-1", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var cluster = host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal(("equigrid", "equigrid"), (cluster.ClusterId, cluster.ServiceId));
    }

    [Fact]
    public void Outside_a_pod_or_when_switched_off_the_silo_advertises_its_configured_address()
    {
        using (new ProcessEnvironment(new() { ["KUBERNETES_SERVICE_HOST"] = null, ["POD_NAME"] = null }))
        {
            Assert.False(SiloSetup.RunsOnKubernetes(new SiloSettings()));
            var (host, services) = Build(kubernetes: null);
            using var _ = host;
            Assert.False(HasKubernetesAgent(services));
            Assert.Equal(IPAddress.Loopback, host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value.AdvertisedIPAddress);
        }
        using (new ProcessEnvironment(new() { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["POD_NAME"] = "equigrid-silo-0" }))
        {
            Assert.False(SiloSetup.RunsOnKubernetes(new SiloSettings { Kubernetes = false }));
            var (host, services) = Build(kubernetes: false);
            using var _ = host;
            Assert.False(HasKubernetesAgent(services));
        }
    }

    [Fact]
    public void The_advertised_address_may_be_a_host_name_and_a_name_that_does_not_resolve_is_a_clear_error()
    {
        Assert.Equal(IPAddress.Parse("10.1.2.3"), SiloSetup.AdvertisedIp("10.1.2.3"));
        Assert.True(IPAddress.IsLoopback(SiloSetup.AdvertisedIp("localhost"))); // compose: the service name
        var e = Assert.Throws<ArgumentException>(() => SiloSetup.AdvertisedIp("no-such-host.invalid"));
        Assert.StartsWith("EquiGrid:AdvertisedAddress: 'no-such-host.invalid'", e.Message);
    }

    [Theory]
    [InlineData(99999, 30000, 0, "EquiGrid:SiloPort: 99999 is not a port")]
    [InlineData(11111, -1, 0, "EquiGrid:GatewayPort: -1 is not a port")]
    [InlineData(11111, 30000, 70000, "EquiGrid:Telemetry:PrometheusPort: 70000 is not a port; give 1..65535 (0 = off)")]
    [InlineData(30000, 30000, 0, "EquiGrid:GatewayPort: 30000 is also the silo port")]
    public void A_port_no_socket_can_use_is_refused_naming_its_setting(int silo, int gateway, int prometheus, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => SiloSetup.CheckPorts(new SiloSettings { SiloPort = silo, GatewayPort = gateway, Telemetry = new TelemetrySettings { PrometheusPort = prometheus } }));
        Assert.StartsWith(expected, e.Message);
        SiloSetup.CheckPorts(new SiloSettings()); // the defaults are fine
    }
}

/// <summary>Sets process environment variables for a test and restores them after.</summary>
public sealed class ProcessEnvironment : IDisposable
{
    /// <summary>The xunit collection of tests that change the process environment (run one at a time, alone).</summary>
    public const string Name = "process environment";
    private readonly Dictionary<string, string?> _saved = new();

    /// <summary>Sets each variable (null removes it).</summary>
    public ProcessEnvironment(Dictionary<string, string?> values)
    {
        foreach (var (k, v) in values)
        {
            _saved[k] = Environment.GetEnvironmentVariable(k);
            Environment.SetEnvironmentVariable(k, v);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
    }
}

/// <summary>Tests that change the process environment do not run in parallel with any other test.</summary>
[CollectionDefinition(ProcessEnvironment.Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;
