using System.Diagnostics;
using System.Text.Json;

namespace EquiGrid.Bench;

/// <summary>
/// Runs the e3nn reference scripts (the anchors kept beside the repository, in ../shared/anchors, set up as their
/// README says) as child processes, so a ratio compares EquiGrid and the reference measured in the same minutes,
/// alternately. Also reads the machine's load average, which every speed row reports.
/// </summary>
internal sealed class ReferenceAnchor
{
    private ReferenceAnchor(string directory, string python)
    {
        Directory = directory;
        Python = python;
    }

    /// <summary>Folder holding the anchor scripts.</summary>
    public string Directory { get; }

    /// <summary>The Python interpreter that has torch and e3nn (Debian's).</summary>
    public string Python { get; }

    /// <summary>
    /// The anchors from --reference DIR (default: ../shared/anchors next to the repository root) and --python PATH
    /// (default /usr/bin/python3); null, with the reason printed, when absent or switched off by --no-reference.
    /// </summary>
    public static ReferenceAnchor? FromArgs(string[] args)
    {
        if (args.Contains("--no-reference")) return null;
        string? dir = Option(args, "--reference") ?? DefaultDirectory();
        string python = Option(args, "--python") ?? "/usr/bin/python3";
        if (dir is null || !System.IO.Directory.Exists(dir))
        {
            Console.WriteLine($"reference: not run (no anchors folder{(dir is null ? "" : $" at {dir}")}; pass --reference DIR, see shared/anchors/README.md)");
            return null;
        }
        return new ReferenceAnchor(Path.GetFullPath(dir), python);
    }

    /// <summary>The command line of a script run, as printed next to its result.</summary>
    public string CommandLine(string script, string arguments, IReadOnlyDictionary<string, string> env) =>
        string.Join(" ", env.Select(kv => $"{kv.Key}={kv.Value}").Append($"{Python} {Path.Combine(Directory, script)} {arguments}"));

    /// <summary>Runs a script and parses the last line of its standard output as JSON; null (reason printed) on failure.</summary>
    public JsonElement? Run(string script, string arguments, IReadOnlyDictionary<string, string> env)
    {
        var start = new ProcessStartInfo(Python, $"-W ignore {Path.Combine(Directory, script)} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        foreach (var (k, v) in env) start.Environment[k] = v;
        try
        {
            using var p = Process.Start(start)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            if (p.ExitCode != 0 || last is null)
            {
                string why = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {p.ExitCode}";
                Console.WriteLine($"reference: {script} failed: {why} (is e3nn on PYTHONPATH? see shared/anchors/README.md)");
                return null;
            }
            return JsonDocument.Parse(last).RootElement.Clone();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException)
        {
            Console.WriteLine($"reference: {script} could not run: {e.Message}");
            return null;
        }
    }

    /// <summary>The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them ("n/a" elsewhere).</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <summary>"min / median / max" of a sample.</summary>
    public static string Spread(IReadOnlyList<double> values, string format)
    {
        if (values.Count == 0) return "-";
        var sorted = values.Order().ToArray();
        return $"{sorted[0].ToString(format)} / {sorted[sorted.Length / 2].ToString(format)} / {sorted[^1].ToString(format)}";
    }

    private static string? DefaultDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EquiGrid.sln")))
                return Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared", "anchors");
        return null;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
