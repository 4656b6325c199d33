using EquiGrid.Grains;

namespace EquiGrid.Silo.Worker;

/// <summary>What a trial runner's exit code (<see cref="RunnerExitCodes"/>) means for the trial grain.</summary>
public static class RunnerExitClassifier
{
    /// <summary>
    /// The failure kind of a runner's exit code: bad input, storage unreachable and a kill by SIGHUP, SIGINT, SIGKILL
    /// or SIGTERM (the node's doing: OOM killer, operator, supervisor) are not the trial's own failure; crash signals
    /// such as SIGSEGV or SIGABRT are.
    /// </summary>
    public static FailureKind Classify(int exitCode) => exitCode switch
    {
        RunnerExitCodes.BadInput => FailureKind.BadInput,
        RunnerExitCodes.StorageUnreachable or RunnerExitCodes.ParentGone => FailureKind.Infrastructure,
        128 + 1 or 128 + 2 or 128 + 9 or 128 + 15 => FailureKind.Infrastructure,
        _ => FailureKind.Trial,
    };

    /// <summary>Readable form of an exit code ("137 (SIGKILL)").</summary>
    public static string Describe(int exitCode) => exitCode switch
    {
        128 + 1 => "129 (SIGHUP)", 128 + 2 => "130 (SIGINT)", 128 + 6 => "134 (SIGABRT)", 128 + 9 => "137 (SIGKILL)",
        128 + 11 => "139 (SIGSEGV)", 128 + 15 => "143 (SIGTERM)",
        _ => exitCode.ToString(),
    };
}
