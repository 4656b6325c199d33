using System.Diagnostics;

namespace EquiGrid.Client.Tests;

/// <summary>
/// Runs the built CLI (equigrid.dll, copied next to the tests) as a child process, so output and exit codes are
/// exactly what a user sees and no test shares the process-wide Console.
/// </summary>
internal static class CliProcess
{
    /// <summary>Start info for <c>dotnet equigrid.dll ARGS</c> with redirected output.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "equigrid.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Runs to completion (or fails the test after <paramref name="timeoutMs"/>).</summary>
    public static (int Code, string Out, string Err) Run(int timeoutMs, params string[] args)
    {
        using var p = Process.Start(StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException("equigrid did not finish: " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
