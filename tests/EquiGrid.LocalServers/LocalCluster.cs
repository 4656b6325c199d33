using EquiGrid.Grains;
using EquiGrid.Grains.Resilience;
using EquiGrid.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace EquiGrid.LocalServers;

/// <summary>
/// A cluster-profile EquiGrid cluster on one machine: silo processes sharing a redis-server (membership, grain state,
/// reminders) and an Azurite blob endpoint (checkpoints). Silos can be killed and started again at will; the servers
/// belong to the caller and outlive them, as they would in production.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    private readonly RedisServer _redis;
    private readonly string _blob;
    private readonly IReadOnlyDictionary<string, string> _extra;
    // This cluster's own attempt folders: another cluster on this machine (a parallel test, another checkout's test
    // run) may use the same cluster id and node names, and a starting worker empties its node's folder.
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "equigrid-localcluster-" + Guid.NewGuid().ToString("N"));

    /// <summary>Orleans cluster and service id (also the blob container's suffix).</summary>
    public string ClusterId { get; }
    /// <summary>The cluster token clients present.</summary>
    public string Token { get; }
    /// <summary>Silos started so far, by index (a restarted index replaces its entry).</summary>
    public Dictionary<int, SiloProcess> Silos { get; } = new();

    /// <summary>A cluster over the given servers; <paramref name="extra"/> adds or overrides silo configuration keys.</summary>
    public LocalCluster(RedisServer redis, string blobConnectionString, string clusterId, string token, IReadOnlyDictionary<string, string>? extra = null)
    {
        _redis = redis; _blob = blobConnectionString; ClusterId = clusterId; Token = token;
        _extra = extra ?? new Dictionary<string, string>();
    }

    /// <summary>
    /// Starts silo <paramref name="index"/> (worker node name "silo{index}"), replacing a dead one of that index. A
    /// replacement keeps its predecessor's ports, as a rebooted machine would: Orleans then retires the old generation
    /// at once instead of waiting for its heartbeat in the membership table to go stale.
    /// </summary>
    public SiloProcess StartSilo(int index)
    {
        var settings = new Dictionary<string, string>();
        if (Silos.TryGetValue(index, out var old))
        {
            old.Dispose();
            settings["EquiGrid:SiloPort"] = old.SiloPort.ToString();
            settings["EquiGrid:GatewayPort"] = old.GatewayPort.ToString();
        }
        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["EquiGrid:Profile"] = "cluster", ["EquiGrid:Redis"] = _redis.Configuration,
            ["EquiGrid:BlobConnectionString"] = _blob, ["EquiGrid:BlobContainer"] = "equigrid-" + ClusterId.ToLowerInvariant(),
            ["EquiGrid:ClusterId"] = ClusterId, ["EquiGrid:ServiceId"] = ClusterId, ["EquiGrid:Token"] = Token,
            ["EquiGrid:Worker:NodeName"] = $"silo{index}", ["EquiGrid:Worker:Threads"] = "1", ["EquiGrid:Worker:WorkDir"] = _workDir,
            // Measuring each CPU's training rate would compete with the trials under test on a shared machine.
            ["EquiGrid:Worker:MeasureThroughput"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        }) settings[k] = v;
        foreach (var (k, v) in _extra) settings[k] = v;
        return Silos[index] = new SiloProcess(settings);
    }

    /// <summary>The index of the silo whose worker is named <paramref name="node"/> ("silo{index}").</summary>
    public static int IndexOf(string node) => int.Parse(node["silo".Length..]);

    /// <summary>
    /// Connects a client through Redis membership (any live gateway), retrying until a silo answers or
    /// <paramref name="patience"/> passes (default 3 min, a bound: silo processes just started open their gateways
    /// far later on a loaded 2-core machine than on a quiet one). Calls time out after <paramref name="responseTimeout"/> (default 10 s).
    /// </summary>
    public async Task<IHost> ConnectAsync(TimeSpan? patience = null, TimeSpan? responseTimeout = null, Action<string>? log = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.SetMinimumLevel(LogLevel.Critical);
            builder.UseOrleansClient(c =>
            {
                c.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(_redis.Configuration));
                c.Services.AddContractsSerialization();
                c.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ClusterId; });
                c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout ?? TimeSpan.FromSeconds(10));
                c.AddOutgoingGrainCallFilter(ctx => { RequestContext.Set(ClusterToken.RequestContextKey, Token); return ctx.Invoke(); });
            });
            var host = builder.Build();
            try { await host.StartAsync(); return host; }
            catch (Exception e) when (DateTime.UtcNow < deadline)
            {
                log?.Invoke($"connect: {e.GetType().Name}: {e.Message}");
                host.Dispose();
                await Task.Delay(1000);
            }
        }
    }

    /// <summary>
    /// Waits until every silo started here is active in the cluster's membership (so grains spread over all of them),
    /// riding out calls to a silo that died; on timeout the message carries each silo's last output.
    /// </summary>
    public async Task WaitUntilAllActiveAsync(IGrainFactory grains, TimeSpan? limit = null)
    {
        var mgmt = grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(3));
        while ((await TransientGrainCalls.RetryAsync(() => mgmt.GetHosts(onlyActive: true), TimeSpan.FromMinutes(1))).Count < Silos.Count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"fewer than {Silos.Count} active silos after {(limit ?? TimeSpan.FromMinutes(3)).TotalSeconds:0} s\n" +
                    string.Join("\n", Silos.Select(s => $"silo{s.Key} (exited: {s.Value.HasExited}):\n{s.Value.Tail}")));
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILLs every silo (a whole-cluster power cut); Redis and Azurite keep their data.</summary>
    public void KillAll()
    {
        foreach (var s in Silos.Values) s.Dispose();
    }

    /// <summary>Kills every silo and removes the cluster's attempt folders.</summary>
    public void Dispose()
    {
        KillAll();
        try { if (Directory.Exists(_workDir)) Directory.Delete(_workDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
