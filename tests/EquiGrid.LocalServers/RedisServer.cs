using System.Diagnostics;

namespace EquiGrid.LocalServers;

/// <summary>
/// A throw-away redis-server on a free loopback port. By default without persistence (the test owns its lifetime);
/// <c>persistent: true</c> turns on the append-only file with an fsync per write, so the server can be stopped and
/// started again on the same port (<see cref="Stop"/>, <see cref="Start"/>) without losing a write: an outage, not a loss.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-redis-" + Guid.NewGuid().ToString("N"));
    private readonly bool _persistent;
    private Process? _process;

    /// <summary>Path of redis-server, or null when it is not installed.</summary>
    public static string? Executable() => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }
    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The redis-server process id (benchmarks read its CPU time).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts redis-server and waits until it listens.</summary>
    public RedisServer(bool persistent = false)
    {
        Port = Loopback.FreePort();
        _persistent = persistent;
        Directory.CreateDirectory(_dir);
        Start();
    }

    /// <summary>Starts the server (again) on its port and folder and waits until it listens.</summary>
    public void Start()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("redis-server is already running");
        var psi = new ProcessStartInfo(Executable() ?? throw new InvalidOperationException("redis-server not installed; run scripts/test.sh"))
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] persistence = _persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
        string[] args = ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", .. persistence, "--dir", _dir];
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Loopback.WaitForPort(Port, TimeSpan.FromMinutes(1), _process).GetAwaiter().GetResult();
    }

    /// <summary>Kills the server (SIGKILL: clients see connections drop); its folder stays for <see cref="Start"/>.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } p) { p.Kill(); p.WaitForExit(5000); }
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
