using System.Diagnostics;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// Starting and stopping trial-runner child processes (an attempt's training, a GPU's measurement): the worker and
/// the GPU measurement start and kill them the same way.
/// </summary>
internal static class RunnerProcess
{
    /// <summary>
    /// <c>dotnet RUNNER ARGS --parent-pid SILO</c> with stdout and stderr redirected: the child exits by itself when
    /// this silo dies, even by SIGKILL.
    /// </summary>
    public static ProcessStartInfo StartInfo(string runnerPath, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(runnerPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--parent-pid");
        psi.ArgumentList.Add(Environment.ProcessId.ToString());
        return psi;
    }

    /// <summary>Kills the child and everything it started; nothing when it has already exited.</summary>
    public static void Kill(Process process)
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already gone */ }
    }
}
