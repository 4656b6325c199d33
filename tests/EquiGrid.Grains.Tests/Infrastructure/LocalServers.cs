using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EquiGrid.Grains.Tests.Infrastructure;

/// <summary>Finds and starts the real servers integration tests need (Azurite, redis-server) on free loopback ports.</summary>
public static class LocalServers
{
    /// <summary>Azurite's well-known development account key (public, documented by Microsoft; not a secret).</summary>
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Path of azurite-blob: $EQUIGRID_AZURITE, else the repository's .tools install; null when absent.</summary>
    public static string? AzuritePath()
    {
        var env = Environment.GetEnvironmentVariable("EQUIGRID_AZURITE");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".tools", "node_modules", ".bin", "azurite-blob");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>A free TCP port on loopback.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Connection string for an Azurite blob endpoint on <paramref name="port"/>.</summary>
    public static string AzuriteConnectionString(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    /// <summary>Waits until something accepts connections on the port.</summary>
    public static async Task WaitForPort(int port, TimeSpan timeout, Process? process = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process is { HasExited: true }) throw new InvalidOperationException($"server exited with {process.ExitCode} before listening on {port}");
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { await Task.Delay(100); }
        }
        throw new TimeoutException($"nothing listened on port {port} within {timeout.TotalSeconds:0} s");
    }
}

/// <summary>An Azurite blob server in a temporary folder, started for a test class and stopped after it.</summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    private Process? _process;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-azurite-" + Guid.NewGuid().ToString("N"));

    /// <summary>Connection string of the running server.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var exe = LocalServers.AzuritePath() ?? throw new InvalidOperationException("azurite-blob not found; run scripts/test.sh");
        int port = LocalServers.FreePort();
        Directory.CreateDirectory(_dir);
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--silent", "--skipApiVersionCheck", "--location", _dir, "--blobHost", "127.0.0.1", "--blobPort", port.ToString() }) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await LocalServers.WaitForPort(port, TimeSpan.FromSeconds(30), _process);
        ConnectionString = LocalServers.AzuriteConnectionString(port);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

/// <summary>A fact that needs Azurite: skipped, with the reason, only when azurite-blob is not installed.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (LocalServers.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/ and sets EQUIGRID_AZURITE)";
    }
}
