using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EquiGrid.LocalServers;

/// <summary>Finds and starts the real servers integration tests need (Azurite, redis-server) on free loopback ports.</summary>
public static class Loopback
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

    /// <summary>
    /// A silo port and a gateway port, distinct: both listeners are held open together, so the system cannot hand out
    /// the same port twice as two <see cref="FreePort"/> calls in a row may (the silo refuses equal ports).
    /// </summary>
    public static (int Silo, int Gateway) TwoFreePorts()
    {
        var a = new TcpListener(IPAddress.Loopback, 0);
        var b = new TcpListener(IPAddress.Loopback, 0);
        try
        {
            a.Start();
            b.Start();
            return (((IPEndPoint)a.LocalEndpoint).Port, ((IPEndPoint)b.LocalEndpoint).Port);
        }
        finally
        {
            a.Stop();
            b.Stop();
        }
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

/// <summary>An Azurite blob server in a temporary folder on a free loopback port; dispose to stop it and delete its data.</summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // How long Node.js may take to start Azurite: seconds on a quiet machine, more than 30 s seen on 2 cores at load
    // average 45 (a bound on waiting, not a timing check).
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(2);

    private Process _process;
    private readonly string _dir;
    private readonly int _port;

    /// <summary>Connection string of the running server.</summary>
    public string ConnectionString { get; }

    private AzuriteServer(Process process, string dir, int port)
    {
        _process = process; _dir = dir; _port = port; ConnectionString = Loopback.AzuriteConnectionString(port);
    }

    /// <summary>Starts azurite-blob ($EQUIGRID_AZURITE or the repository's .tools install) and waits until it listens.</summary>
    public static async Task<AzuriteServer> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-azurite-" + Guid.NewGuid().ToString("N"));
        int port = Loopback.FreePort();
        Directory.CreateDirectory(dir);
        var process = Start(dir, port);
        await Loopback.WaitForPort(port, StartPatience, process);
        return new AzuriteServer(process, dir, port);
    }

    private static Process Start(string dir, int port)
    {
        var exe = Loopback.AzuritePath() ?? throw new InvalidOperationException("azurite-blob not found; run scripts/test.sh (it installs Azurite into .tools/)");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--silent", "--skipApiVersionCheck", "--location", dir, "--blobHost", "127.0.0.1", "--blobPort", port.ToString() }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Stops the server (SIGTERM: it saves its metadata), keeps it down for <paramref name="downtime"/>, and starts it
    /// again on the same port and folder, so stored blobs are there again.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await Signals.TerminateAsync(_process, TimeSpan.FromSeconds(15));
        _process.Dispose();
        await Task.Delay(downtime);
        _process = Start(_dir, _port);
        await Loopback.WaitForPort(_port, StartPatience, _process);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        _process.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
