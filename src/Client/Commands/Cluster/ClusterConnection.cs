using System.CommandLine;
using System.Net;
using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>
/// How the CLI reaches a cluster: <c>--gateway host:port[,host:port]</c> and <c>--token</c>, else EQUIGRID_GATEWAY and
/// EQUIGRID_TOKEN, else the config file (<c>--config</c>, EQUIGRID_CONFIG, or ~/.config/equigrid/cluster.json with
/// <c>{"gateway": "...", "token": "..."}</c>, plus <c>"blob"</c>/<c>"container"</c> for <c>pull</c>), else the
/// embedded silo's default gateway 127.0.0.1:30000.
/// </summary>
internal sealed class ClusterConnection
{
    public static readonly Option<string?> Gateway = new("--gateway") { Description = "Gateway endpoint(s) host:port[,host:port] (env EQUIGRID_GATEWAY)" };
    public static readonly Option<string?> Token = new("--token") { Description = "Cluster token (env EQUIGRID_TOKEN)" };
    public static readonly Option<string?> Config = new("--config") { Description = "Connection config file (env EQUIGRID_CONFIG)" };

    /// <summary>Adds the connection options to a command.</summary>
    public static void AddTo(Command cmd)
    {
        cmd.Options.Add(Gateway);
        cmd.Options.Add(Token);
        cmd.Options.Add(Config);
    }

    /// <summary>Connects and returns a started client host (dispose it to disconnect).</summary>
    public static async Task<IHost> ConnectAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = Settings(parse, ("gateway", Gateway), ("token", Token));
        var gateway = settings["gateway"] ?? "127.0.0.1:30000";
        var token = settings["token"];
        var endpoints = gateway.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseEndpoint).ToArray();
        if (endpoints.Length == 0) throw new Cli.UserInputException($"--gateway '{gateway}': no endpoint; expected host:port[,host:port], e.g. 127.0.0.1:30000");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.Services.AddContractsSerialization();
            client.Configure<ClusterOptions>(o => { o.ClusterId = "equigrid"; o.ServiceId = "equigrid"; });
            client.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
            client.AddOutgoingGrainCallFilter(ctx =>
            {
                if (token is not null) RequestContext.Set(ClusterToken.RequestContextKey, token);
                return ctx.Invoke();
            });
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new Cli.UserInputException($"cannot reach the cluster at {gateway}: {e.Message} (start one with the silo, or give --gateway)");
        }
        return host;
    }

    /// <summary>
    /// The connection settings under the config file's keys (<c>gateway</c>, <c>token</c>, <c>blob</c>, <c>container</c>),
    /// each from the first of: its flag in <paramref name="flags"/>, its environment variable, the config file
    /// (<c>--config</c>, which must exist, else EQUIGRID_CONFIG, else ~/.config/equigrid/cluster.json; none is fine).
    /// </summary>
    /// <exception cref="InvalidDataException">The config file is not a JSON object (names the file and the expected form).</exception>
    public static IConfiguration Settings(ParseResult parse, params (string Key, Option<string?> Flag)[] flags)
    {
        // A config file given with --config must exist: a typo would otherwise fall back to the environment or the
        // default cluster and send the command to the wrong one. (EQUIGRID_CONFIG and the default location may be absent.)
        var named = parse.GetValue(Config);
        if (named is not null && !File.Exists(named))
            throw new Cli.UserInputException($"--config '{named}': {(Directory.Exists(named) ? "a folder, not a file" : "no such file")}; give the connection config file ({{\"gateway\": \"host:port\", \"token\": \"...\"}}) or leave --config out");
        var file = Path.GetFullPath(named ?? Environment.GetEnvironmentVariable("EQUIGRID_CONFIG") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "equigrid", "cluster.json"));
        // Later sources win. The environment layer is spelled out because the variables are not named after the
        // file's keys (EQUIGRID_BLOB_CONNECTION is "blob"), and no other EQUIGRID_* variable is a connection setting.
        var builder = new ConfigurationBuilder()
            .AddJsonFile(file, optional: true, reloadOnChange: false)
            .AddInMemoryCollection(EnvironmentVariables
                .Select(v => KeyValuePair.Create(v.Key, Environment.GetEnvironmentVariable(v.Variable)))
                .Where(v => v.Value is not null))
            .AddInMemoryCollection(flags
                .Select(f => KeyValuePair.Create(f.Key, parse.GetValue(f.Flag)))
                .Where(f => f.Value is not null));
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{file}: not a JSON object of strings ({FirstLine(e.GetBaseException().Message)}); expected {{\"gateway\": \"host:port\", \"token\": \"...\", \"blob\": \"...\"}}", e);
        }
    }

    /// <summary>The environment variable of each setting that has one.</summary>
    private static readonly (string Key, string Variable)[] EnvironmentVariables =
        [("gateway", "EQUIGRID_GATEWAY"), ("token", ClusterToken.EnvironmentVariable), ("blob", PullCommand.BlobEnvironmentVariable)];

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>The grain factory of a connected client host.</summary>
    public static IGrainFactory Grains(IHost host) => host.Services.GetRequiredService<IClusterClient>();

    private static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port))
            throw new Cli.UserInputException($"--gateway '{text}': expected host:port, e.g. 127.0.0.1:30000");
        if (port is < IPEndPoint.MinPort + 1 or > IPEndPoint.MaxPort)
            throw new Cli.UserInputException($"--gateway '{text}': port {port} is not in 1..{IPEndPoint.MaxPort}; give the silo's gateway port, e.g. 30000");
        var host = text[..colon];
        if (IPAddress.TryParse(host, out var a)) return new IPEndPoint(a, port);
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new Cli.UserInputException($"--gateway '{text}': host '{host}' not found ({e.Message}); check the name or give an IP address");
        }
        var ip = addresses.FirstOrDefault(x => x.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new Cli.UserInputException($"--gateway '{text}': host '{host}' has no IPv4 address; give an IPv4 address");
        return new IPEndPoint(ip, port);
    }
}
