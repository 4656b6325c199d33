using System.Collections.Concurrent;
using System.Diagnostics;

namespace EquiGrid.LocalServers;

/// <summary>
/// An EquiGrid silo as a separate OS process (<c>dotnet EquiGrid.Silo.dll --EquiGrid:Key=value ...</c>), so tests and
/// benchmarks can SIGKILL it like a lost machine. The silo assembly must sit beside the caller's (a project reference).
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; }
    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; }
    /// <summary>The process id.</summary>
    public int Id => _process.Id;
    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>
    /// Starts a silo with the given configuration keys (e.g. <c>EquiGrid:Profile</c> = <c>cluster</c>); ports are chosen
    /// here unless given.
    /// </summary>
    public SiloProcess(IReadOnlyDictionary<string, string> settings)
    {
        var (freeSilo, freeGateway) = Loopback.TwoFreePorts();
        SiloPort = settings.TryGetValue("EquiGrid:SiloPort", out var sp) ? int.Parse(sp) : freeSilo;
        GatewayPort = settings.TryGetValue("EquiGrid:GatewayPort", out var gp) ? int.Parse(gp) : freeGateway;
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EquiGrid.Silo.dll"));
        var all = new Dictionary<string, string>(settings) { ["EquiGrid:SiloPort"] = SiloPort.ToString(), ["EquiGrid:GatewayPort"] = GatewayPort.ToString() };
        foreach (var (k, v) in all) psi.ArgumentList.Add($"--{k}={v}");
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Remember(string? line)
    {
        if (line is null) return;
        _tail.Enqueue(line);
        while (_tail.Count > 200) _tail.TryDequeue(out _);
    }

    /// <summary>The last lines the silo printed (for failure messages).</summary>
    public string Tail => string.Join('\n', _tail);

    /// <summary>SIGKILL, no graceful shutdown: the machine is gone. Its trial-runner child sees its parent vanish and exits.</summary>
    public void Kill()
    {
        if (_disposed || _process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(5000);
    }

    /// <summary>Kills the silo and its children if still running.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        _process.Dispose();
    }

    private bool _disposed;
}
