using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Client.Cli;

/// <summary>Shared plumbing for commands: the <c>--json</c> option, JSON output and error-to-exit-code mapping.</summary>
public static class CliApp
{
    /// <summary>JSON settings used for every machine-readable output (stdout only).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Irreps strings such as "8x0e+8x1o" must stay readable: '+' is not escaped for a terminal or a file.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // States are words in every verb's JSON ("completed", "completed_with_failures"), never enum numbers.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Creates the standard <c>--json</c> flag.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Write machine-readable JSON to stdout" };

    /// <summary>Writes a value as JSON to stdout.</summary>
    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>
    /// Runs a command body and maps exceptions to exit codes: user errors print one line and give 2,
    /// cancellation 130, anything else one line and 1 (the stack trace only with EQUIGRID_DEBUG=1).
    /// </summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken ct)
    {
        try
        {
            return await body(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("equigrid: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (EquiGrid.Grains.Studies.StudyFileException e)
        {
            // The study parser collects every problem: one line each (a few at most), so one edit fixes them all.
            foreach (var error in e.Errors.Take(MaxStudyErrors)) Console.Error.WriteLine($"equigrid: error: {error}");
            if (e.Errors.Count > MaxStudyErrors) Console.Error.WriteLine($"equigrid: error: ... and {e.Errors.Count - MaxStudyErrors} more problems in the study file");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"equigrid: error: {OneLine(e)}");
            return ExitCodes.Usage;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"equigrid: failed: {OneLine(e)}");
            if (Environment.GetEnvironmentVariable("EQUIGRID_DEBUG") == "1") Console.Error.WriteLine(e);
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// An error as one line: the first line of its message (Orleans' storage and runtime errors carry a whole stack
    /// trace in theirs), or the exception's type when the message is empty.
    /// </summary>
    public static string OneLine(Exception e)
    {
        var first = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(first)) return e.GetType().Name;
        // "...failed:" with the reason on the next lines: take the reason from the inner exception instead.
        return first.EndsWith(':') && e.InnerException is { } inner ? $"{first} {OneLine(inner)}" : first;
    }

    /// <summary>
    /// The full path of a folder option (<c>--data-dir</c>, <c>--out</c>, <c>--to</c>); a usage error naming the option
    /// when it is empty or names a file (the verb would fail later, after work, with a bare IO message).
    /// </summary>
    public static string FolderPath(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new UserInputException($"{option} is empty; give a folder (it is created when missing)");
        var dir = Path.GetFullPath(text);
        if (File.Exists(dir)) throw new UserInputException($"{option} '{text}' is a file, not a folder; give a folder (it is created when missing)");
        return dir;
    }

    /// <summary>The file a verb holds open exclusively in the folder it writes (<see cref="LockFolder"/>).</summary>
    public const string LockFileName = ".equigrid.lock";

    /// <summary>
    /// Holds <see cref="LockFileName"/> in <paramref name="dir"/> open without sharing (an advisory lock the system drops
    /// when the process ends, even when killed): a second <c>equigrid VERB</c> on the same folder is refused instead of
    /// writing over the first one's state.
    /// </summary>
    public static FileStream LockFolder(string dir, string option, string verb)
    {
        var path = Path.Combine(dir, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult == SharingViolation)
        {
            throw new UserInputException($"{option} '{dir}' is in use by another `equigrid {verb}`; wait for it to finish (or stop it), or give another {option}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{option} '{dir}': cannot write in it ({e.Message}); give a folder you can write to");
        }
    }

    // What .NET reports on Unix when another process holds the file (EWOULDBLOCK from flock); Windows' sharing violation.
    private static int SharingViolation => OperatingSystem.IsWindows() ? unchecked((int)0x80070020) : 11;

    /// <summary>Most study-file problems printed (one line each) before the rest are counted.</summary>
    private const int MaxStudyErrors = 20;

    /// <summary>Synchronous convenience overload of <see cref="RunAsync"/>.</summary>
    public static Task<int> Run(Func<int> body, CancellationToken ct) => RunAsync(_ => Task.FromResult(body()), ct);

    // ArgumentException and FormatException come from domain parsers (Irreps.Parse, LSet.Parse, file readers)
    // whose messages name the field and the fix; they are user errors by contract.
    private static bool IsUserError(Exception e) =>
        e is UserInputException or ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException;
}
