using System.Diagnostics;

namespace EquiGrid.Grains.Tests.Infrastructure;

/// <summary>A throw-away redis-server on a free loopback port (no persistence: the test owns its lifetime).</summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-redis-" + Guid.NewGuid().ToString("N"));

    /// <summary>Path of redis-server, or null when it is not installed.</summary>
    public static string? Path_() => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    public int Port { get; }
    public string Configuration => $"127.0.0.1:{Port}";

    public RedisServer()
    {
        Port = LocalServers.FreePort();
        Directory.CreateDirectory(_dir);
        var psi = new ProcessStartInfo(Path_() ?? throw new InvalidOperationException("redis-server not installed; run scripts/test.sh"))
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _dir }) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        LocalServers.WaitForPort(Port, TimeSpan.FromSeconds(20), _process).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>A fact that needs redis-server and Azurite: skipped, with the reason, only when either is missing.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (RedisServer.Path_() is null) Skip = "redis-server not installed (scripts/test.sh installs it)";
        else if (LocalServers.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/)";
    }
}
