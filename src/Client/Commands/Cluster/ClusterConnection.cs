using System.CommandLine;
using System.Net;
using System.Text.Json;
using EquiGrid.Grains;
using EquiGrid.Grains.Security;
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
        var fromFile = await ReadConfigFileAsync(parse, ct);
        var gateway = parse.GetValue(Gateway) ?? Environment.GetEnvironmentVariable("EQUIGRID_GATEWAY") ?? fromFile?.GetValueOrDefault("gateway") ?? "127.0.0.1:30000";
        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(ClusterToken.EnvironmentVariable) ?? fromFile?.GetValueOrDefault("token");
        var endpoints = gateway.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseEndpoint).ToArray();

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
    /// The config file's keys (<c>gateway</c>, <c>token</c>, <c>blob</c>, <c>container</c>), or null when there is no
    /// file: <c>--config</c>, else EQUIGRID_CONFIG, else ~/.config/equigrid/cluster.json.
    /// </summary>
    public static async Task<Dictionary<string, string>?> ReadConfigFileAsync(ParseResult parse, CancellationToken ct)
    {
        var file = parse.GetValue(Config) ?? Environment.GetEnvironmentVariable("EQUIGRID_CONFIG")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "equigrid", "cluster.json");
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(file, ct))
                   ?? throw new InvalidDataException($"{file}: expected {{\"gateway\": \"host:port\", \"token\": \"...\"}}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a JSON object of strings ({e.Message}); expected {{\"gateway\": \"host:port\", \"token\": \"...\", \"blob\": \"...\"}}");
        }
    }

    /// <summary>The grain factory of a connected client host.</summary>
    public static IGrainFactory Grains(IHost host) => host.Services.GetRequiredService<IClusterClient>();

    private static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port))
            throw new Cli.UserInputException($"--gateway '{text}': expected host:port, e.g. 127.0.0.1:30000");
        var host = text[..colon];
        var ip = IPAddress.TryParse(host, out var a) ? a : Dns.GetHostAddresses(host).First(x => x.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        return new IPEndPoint(ip, port);
    }
}
