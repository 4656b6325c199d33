using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EquiGrid.LocalServers;

/// <summary>Process signals .NET does not send by itself.</summary>
public static partial class Signals
{
    private const int SigInt = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends SIGINT, what Ctrl+C in a terminal sends (here to the one process, not its process group).</summary>
    public static void Interrupt(int pid)
    {
        if (Kill(pid, SigInt) != 0) throw new InvalidOperationException($"kill({pid}, SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>True when process <paramref name="pid"/> no longer runs (gone, or a zombie waiting to be reaped) (Linux /proc).</summary>
    public static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException) { return true; }
        catch (UnauthorizedAccessException) { return false; }
    }

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
