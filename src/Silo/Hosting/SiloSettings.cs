namespace EquiGrid.Silo.Hosting;

/// <summary>
/// Silo settings, bound from the configuration section "EquiGrid" (appsettings, environment variables such as
/// <c>EquiGrid__Profile=cluster</c>, or command-line <c>--EquiGrid:Profile=cluster</c>).
/// </summary>
public sealed class SiloSettings
{
    /// <summary>"embedded" (default: one process, localhost clustering, state on disk) or "cluster" (Redis + Blob).</summary>
    public string Profile { get; set; } = "embedded";
    /// <summary>Embedded profile: folder for grain state and checkpoints.</summary>
    public string DataDir { get; set; } = Path.Combine(Environment.CurrentDirectory, "runs", "embedded");
    /// <summary>Orleans cluster id (silos with the same id form one cluster).</summary>
    public string ClusterId { get; set; } = "equigrid";
    /// <summary>Orleans service id (stable across deployments: grain state and reminders are keyed by it).</summary>
    public string ServiceId { get; set; } = "equigrid";
    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;
    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;
    /// <summary>
    /// Address advertised to other silos (cluster profile): an IP address, or a host name resolved at start-up (e.g. the
    /// compose service name); loopback by default. Ignored under Kubernetes hosting, which advertises the pod's IP.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    /// <summary>
    /// Cluster profile: Orleans' Kubernetes hosting (silo name = pod name, advertised address = pod IP, listening on all
    /// interfaces, pods of dead silos noticed through the Kubernetes API). Null (default) turns it on when the silo runs
    /// in a pod, i.e. when both <c>KUBERNETES_SERVICE_HOST</c> and <c>POD_NAME</c> are set; true or false forces it.
    /// </summary>
    public bool? Kubernetes { get; set; }
    /// <summary>Cluster profile: Redis configuration string (membership, grain state, reminders).</summary>
    public string? Redis { get; set; }
    /// <summary>Cluster profile: Azure Storage connection string for checkpoints (Azurite locally).</summary>
    public string? BlobConnectionString { get; set; }
    /// <summary>Blob container for checkpoints.</summary>
    public string BlobContainer { get; set; } = "equigrid-checkpoints";
    /// <summary>Cluster token clients must present; null = no check (loopback-only embedded use).</summary>
    public string? Token { get; set; }
    /// <summary>Telemetry exporters.</summary>
    public TelemetrySettings Telemetry { get; set; } = new();
}

/// <summary>Where metrics, traces and logs go.</summary>
public sealed class TelemetrySettings
{
    /// <summary>OTLP endpoint (e.g. http://collector:4317); null = no OTLP export.</summary>
    public string? OtlpEndpoint { get; set; }
    /// <summary>Port of the Prometheus scrape endpoint (http://HOST:port/metrics); 0 = off.</summary>
    public int PrometheusPort { get; set; }
    /// <summary>
    /// Host the Prometheus endpoint binds to: "localhost" (default, loopback only) or "*" for every interface, as a
    /// scraper outside the container or pod needs.
    /// </summary>
    public string PrometheusHost { get; set; } = "localhost";
}
