namespace EquiGrid.Client.Cli;

/// <summary>Documented exit codes of the <c>equigrid</c> CLI (the .NET SDK's conventions).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>The command ran and failed (a server error, a failed trial, a failed check).</summary>
    public const int Failure = 1;
    /// <summary>Bad input: an option, a file or a value the user can fix.</summary>
    public const int Usage = 2;
    /// <summary>Cancelled with Ctrl+C.</summary>
    public const int Cancelled = 130;
}

/// <summary>
/// An error the user can fix (bad option value, malformed file). Its message is printed as one line
/// on stderr and the process exits with <see cref="ExitCodes.Usage"/>.
/// </summary>
public sealed class UserInputException(string message) : Exception(message);
