using System.Diagnostics;

namespace EquiGrid.LocalServers;

/// <summary>A throw-away redis-server on a free loopback port (no persistence: the test owns its lifetime).</summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-redis-" + Guid.NewGuid().ToString("N"));

    /// <summary>Path of redis-server, or null when it is not installed.</summary>
    public static string? Executable() => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }
    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The redis-server process id (benchmarks read its CPU time).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts redis-server and waits until it listens.</summary>
    public RedisServer()
    {
        Port = Loopback.FreePort();
        Directory.CreateDirectory(_dir);
        var psi = new ProcessStartInfo(Executable() ?? throw new InvalidOperationException("redis-server not installed; run scripts/test.sh"))
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _dir }) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Loopback.WaitForPort(Port, TimeSpan.FromSeconds(20), _process).GetAwaiter().GetResult();
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
