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

    /// <summary>
    /// The same start info, but with SIGINT's default handling restored in the child (coreutils' <c>env
    /// --default-signal=INT</c>, which then executes dotnet in place, so the process id is the CLI's). A test runner
    /// started in the background by a non-interactive shell (nohup, CI) inherits SIGINT as ignored, and .NET leaves a
    /// signal ignored at start-up ignored, so without this a test's Ctrl+C would never reach the CLI.
    /// </summary>
    public static ProcessStartInfo WithDefaultSigint(ProcessStartInfo psi)
    {
        if (!OperatingSystem.IsLinux()) return psi;
        var wrapped = new ProcessStartInfo("env") { RedirectStandardOutput = psi.RedirectStandardOutput, RedirectStandardError = psi.RedirectStandardError };
        wrapped.ArgumentList.Add("--default-signal=INT");
        wrapped.ArgumentList.Add(psi.FileName);
        foreach (var a in psi.ArgumentList) wrapped.ArgumentList.Add(a);
        return wrapped;
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
