using System.Diagnostics;

namespace EquiGrid.TrialRunner;

/// <summary>
/// A test hook of the measure mode: <c>EQUIGRID_MEASURE_TEST_FAULT=crash</c> aborts the process (SIGABRT, as a native
/// crash in a GPU driver would) and <c>=hang</c> starts a grandchild process and then never returns (as a hung driver
/// call would), so tests can check that the worker survives both and leaves no process behind. Unset in production.
/// </summary>
internal static class MeasureTestFault
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "EQUIGRID_MEASURE_TEST_FAULT";

    /// <summary>Does what the variable asks; returns at once when it is unset.</summary>
    /// <exception cref="ArgumentException">The variable holds something else than crash or hang.</exception>
    public static async Task ApplyAsync()
    {
        switch (Environment.GetEnvironmentVariable(Variable))
        {
            case null or "":
                return;
            case "crash":
                Console.Error.WriteLine($"trial-runner: measure: test hook {Variable}=crash: aborting");
                Console.Error.Flush();
                Environment.FailFast($"{Variable}=crash");
                return;
            case "hang":
                // Its own streams, so it holds none of the worker's pipes: only a kill of the whole tree ends it.
                using (var grandchild = Process.Start(new ProcessStartInfo("sleep", "600")
                       {
                           UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                       })!)
                {
                    Console.Error.WriteLine($"trial-runner: measure: test hook {Variable}=hang: hanging (pid {Environment.ProcessId}, grandchild pid {grandchild.Id})");
                    Console.Error.Flush();
                }
                await Task.Delay(Timeout.Infinite);
                return;
            case var other:
                throw new ArgumentException($"{Variable}='{other}': use crash or hang (a test hook; unset it otherwise)");
        }
    }
}
