using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using EquiGrid.Grains.Telemetry;
using EquiGrid.Checkpoints;
using EquiGrid.Silo.Security;
using EquiGrid.Silo.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using StackExchange.Redis;

namespace EquiGrid.Silo.Hosting;

/// <summary>Configures an EquiGrid silo on a generic host; the profile picks the providers, the code paths are the same.</summary>
public static class SiloSetup
{
    /// <summary>Adds the silo, its storage, security filter, checkpoint store and telemetry.</summary>
    public static IHostApplicationBuilder AddEquiGridSilo(this IHostApplicationBuilder builder, Action<SiloSettings>? configure = null)
    {
        var settings = builder.Configuration.GetSection("EquiGrid").Get<SiloSettings>() ?? new SiloSettings();
        settings.Token ??= Environment.GetEnvironmentVariable(ClusterToken.EnvironmentVariable);
        configure?.Invoke(settings);
        CheckPorts(settings);
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<EquiGrid.Grains.SchedulingOptions>(builder.Configuration.GetSection("EquiGrid:Scheduling"));
        // Failure detection (ProbeTimeout, NumMissedProbesLimit, ...) is tunable: a sweep cluster on a private network can
        // declare a dead node much sooner than Orleans' WAN-friendly defaults, which is what bounds failover time.
        builder.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("EquiGrid:Membership"));
        builder.Services.Configure<Worker.WorkerSettings>(builder.Configuration.GetSection("EquiGrid:Worker"));

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = settings.ServiceId; });
            silo.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30)); // every grain call is time-bounded
            silo.AddActivityPropagation(); // grain calls carry the caller's trace: an attempt's trace shows the calls it made
            silo.Services.AddContractsSerialization();
            switch (settings.Profile)
            {
                case "embedded":
                    silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort);
                    silo.UseInMemoryReminderService();
                    silo.Services.AddGrainStorage(GrainStorage.Name, (sp, _) => new FileGrainStorage(
                        Path.Combine(settings.DataDir, "state"),
                        new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()),
                        sp.GetRequiredService<ILogger<FileGrainStorage>>()));
                    break;
                case "cluster":
                    var redis = settings.Redis ?? throw new ArgumentException("EquiGrid:Redis: the cluster profile needs a Redis configuration string, e.g. 127.0.0.1:6379");
                    var blob = settings.BlobConnectionString ?? throw new ArgumentException("EquiGrid:BlobConnectionString: the cluster profile needs an Azure Storage connection string (Azurite locally)");
                    silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
                    if (RunsOnKubernetes(settings))
                    {
                        // Ports from the settings; the pod's name and any-address listening from Orleans' hosting. The pod IP
                        // is set here too: Orleans' own default (the first interface's address) would otherwise come first.
                        silo.Configure<EndpointOptions>(o =>
                        {
                            o.SiloPort = settings.SiloPort;
                            o.GatewayPort = settings.GatewayPort;
                            if (Environment.GetEnvironmentVariable(Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodIPEnvironmentVariable) is { Length: > 0 } podIp)
                                o.AdvertisedIPAddress = System.Net.IPAddress.Parse(podIp);
                        });
                        silo.UseKubernetesHosting(o => o.Configure(k =>
                        {
                            // In a pod: the service account. Elsewhere (a silo started by hand against a cluster): KUBECONFIG.
                            k.GetClientConfiguration = () => k8s.KubernetesClientConfiguration.IsInCluster()
                                ? k8s.KubernetesClientConfiguration.InClusterConfig()
                                : k8s.KubernetesClientConfiguration.BuildDefaultConfig();
                        }));
                    }
                    else
                        silo.ConfigureEndpoints(AdvertisedIp(settings.AdvertisedAddress), settings.SiloPort, settings.GatewayPort);
                    silo.AddRedisGrainStorage(GrainStorage.Name, o => o.Configure<Orleans.Serialization.Serializer>((opts, serializer) =>
                    {
                        opts.ConfigurationOptions = ConfigurationOptions.Parse(redis);
                        opts.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                    }));
                    silo.UseRedisReminderService(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
                    BlobContainerName.Validate(settings.BlobContainer, "EquiGrid:BlobContainer");
                    builder.Services.AddSingleton<Results.IResultsStore>(new Results.BlobResultsStore(blob, settings.BlobContainer));
                    break;
                default:
                    throw new ArgumentException($"EquiGrid:Profile: '{settings.Profile}' is not a profile; use 'embedded' or 'cluster'");
            }
            silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => new ClusterTokenFilter(settings.Token, sp.GetRequiredService<ILogger<ClusterTokenFilter>>()));
        });
        // Registered after the silo on purpose: hosted services stop in reverse order, so the worker stops first and can
        // hand its leases back while the silo still answers.
        builder.Services.AddHostedService<Worker.TrialWorker>();

        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(m =>
            {
                m.AddMeter(ClusterTelemetry.Name).AddRuntimeInstrumentation();
                if (settings.Telemetry.PrometheusPort > 0)
                    m.AddPrometheusHttpListener(o => { o.Host = settings.Telemetry.PrometheusHost; o.Port = settings.Telemetry.PrometheusPort; });
                if (settings.Telemetry.OtlpEndpoint is { } ep) m.AddOtlpExporter(o => o.Endpoint = new Uri(ep));
            })
            .WithTracing(t =>
            {
                t.AddSource(ClusterTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application");
                if (settings.Telemetry.OtlpEndpoint is { } ep) t.AddOtlpExporter(o => o.Endpoint = new Uri(ep));
            });
        if (settings.Telemetry.OtlpEndpoint is { } logEp)
            builder.Logging.AddOpenTelemetry(l => l.AddOtlpExporter(o => o.Endpoint = new Uri(logEp)));
        return builder;
    }

    /// <summary>
    /// Refuses ports that no socket can use, naming the setting (Orleans would fail later with "Specified argument was
    /// out of the range of valid values (Parameter 'port')"), and a silo port equal to the gateway port.
    /// </summary>
    public static void CheckPorts(SiloSettings settings)
    {
        foreach (var (key, port, optional) in new[] { ("SiloPort", settings.SiloPort, false), ("GatewayPort", settings.GatewayPort, false), ("Telemetry:PrometheusPort", settings.Telemetry.PrometheusPort, true) })
            if (!(optional && port == 0) && port is < 1 or > 65535)
                throw new ArgumentException($"EquiGrid:{key}: {port} is not a port; give 1..65535{(optional ? " (0 = off)" : "")}");
        if (settings.SiloPort == settings.GatewayPort)
            throw new ArgumentException($"EquiGrid:GatewayPort: {settings.GatewayPort} is also the silo port; give the gateway its own port (default 30000)");
    }

    /// <summary>
    /// Whether the cluster profile uses Orleans' Kubernetes hosting: <see cref="SiloSettings.Kubernetes"/> when set, else
    /// whether this process runs in a pod whose manifest passes its name (<c>KUBERNETES_SERVICE_HOST</c> and <c>POD_NAME</c>).
    /// </summary>
    public static bool RunsOnKubernetes(SiloSettings settings) => settings.Kubernetes
        ?? (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
            && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("POD_NAME")));

    /// <summary>
    /// The address to advertise: an IP literal as given, else the host name's first IPv4 address (IPv6 if it has none);
    /// a name that does not resolve is a start-up error naming the setting.
    /// </summary>
    public static System.Net.IPAddress AdvertisedIp(string address)
    {
        if (System.Net.IPAddress.TryParse(address, out var ip)) return ip;
        System.Net.IPAddress[] found;
        try { found = System.Net.Dns.GetHostAddresses(address); }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new ArgumentException($"EquiGrid:AdvertisedAddress: '{address}' is neither an IP address nor a host name that resolves ({e.Message}); give this machine's address as other silos reach it");
        }
        return found.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? found.FirstOrDefault()
            ?? throw new ArgumentException($"EquiGrid:AdvertisedAddress: host name '{address}' has no address; give this machine's address as other silos reach it");
    }
}
