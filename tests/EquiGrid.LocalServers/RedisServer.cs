using System.Diagnostics;

namespace EquiGrid.LocalServers;

/// <summary>
/// A throw-away redis-server on a free loopback port. By default without persistence (the test owns its lifetime); with
/// <c>appendOnly</c> it keeps an append-only file, so <see cref="RestartAsync"/> brings back the same data, as a
/// production Redis with AOF would after a restart.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process _process;
    private readonly bool _appendOnly;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-redis-" + Guid.NewGuid().ToString("N"));

    /// <summary>Path of redis-server, or null when it is not installed.</summary>
    public static string? Executable() => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }
    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server and waits until it listens.</summary>
    public RedisServer(bool appendOnly = false)
    {
        _appendOnly = appendOnly;
        Port = Loopback.FreePort();
        Directory.CreateDirectory(_dir);
        _process = Start();
        Loopback.WaitForPort(Port, TimeSpan.FromSeconds(20), _process).GetAwaiter().GetResult();
    }

    private Process Start()
    {
        var psi = new ProcessStartInfo(Executable() ?? throw new InvalidOperationException("redis-server not installed; run scripts/test.sh"))
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", _appendOnly ? "yes" : "no", "--dir", _dir })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Stops the server the way an operator's restart does (SIGTERM: it flushes its append-only file), keeps it down for
    /// <paramref name="downtime"/>, and starts it again on the same port and folder.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await Signals.TerminateAsync(_process, TimeSpan.FromSeconds(10));
        _process.Dispose();
        await Task.Delay(downtime);
        _process = Start();
        await Loopback.WaitForPort(Port, TimeSpan.FromSeconds(20), _process);
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>Process signals .NET does not send by itself.</summary>
public static class Signals
{
    /// <summary>Sends SIGTERM and waits up to <paramref name="patience"/> for the exit; SIGKILL after that.</summary>
    public static async Task TerminateAsync(Process process, TimeSpan patience)
    {
        if (process.HasExited) return;
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString() }, UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(patience);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
    }

    /// <summary>Ids of the live child processes of <paramref name="parentPid"/> whose command line contains <paramref name="marker"/> (Linux /proc).</summary>
    public static IReadOnlyList<int> Children(int parentPid, string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1]) != parentPid) continue;
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException) { } // the process ended while we looked
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
