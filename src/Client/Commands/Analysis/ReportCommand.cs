using System.CommandLine;
using EquiGrid.Analysis.Claims;
using EquiGrid.Analysis.Report;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Client.Cli;
using EquiGrid.Grains.Studies;

namespace EquiGrid.Client.Commands.Analysis;

/// <summary><c>equigrid report STUDY_OR_TRIAL_DIR [--out report.html]</c>: self-contained HTML + Markdown study report.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "Study folder (study_table.json, which pull and run save, and one sub-folder per trial) or a single trial folder" };
        var output = new Option<string>("--out") { Description = "HTML file to write (the Markdown version goes next to it)", DefaultValueFactory = _ => "report.html" };
        var noPhate = new Option<bool>("--no-phate") { Description = "When a trial must be analysed first, skip PHATE" };
        var split = AnalyzeCommand.SplitOption();
        split.Description += "; a trial analysed for another split is analysed again";
        var study = StudyOption();
        var json = CliApp.JsonOption();
        var cmd = new Command("report", "Write the study report: table, claims, PHATE figures coloured by NSPS, utilisation bars, tensor-product paths, learning curves")
        {
            path, output, noPhate, split, study, json,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var html = parse.GetValue(output)!;
            if (Directory.Exists(html)) throw new UserInputException($"--out '{html}' is a folder; give the HTML file to write, e.g. {Path.Combine(html, "report.html")}");
            var res = Write(parse.GetValue(path)!, html, runPhate: !parse.GetValue(noPhate),
                split: AnalyzeCommand.CheckedSplit(parse.GetValue(split)), studyFile: parse.GetValue(study));
            if (parse.GetValue(json)) CliApp.WriteJson(new { res.Html, res.Markdown, Claims = res.Claims?.Select(ClaimJson) });
            else
            {
                Console.WriteLine(res.Html);
                Console.WriteLine(res.Markdown);
                foreach (var c in res.Claims ?? []) Console.WriteLine($"claim {c.Id}: {ClaimEvaluator.Words(c.Verdict)}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>The file a study folder keeps its study definition in (written by <c>run</c>; the claims are read from it).</summary>
    public const string StudyFileName = "study.yaml";

    /// <summary>The <c>--study FILE</c> option: where the claims come from when the folder has no study.yaml.</summary>
    public static Option<string?> StudyOption() => new("--study")
    {
        Description = $"Study file whose claims the report checks (default: {StudyFileName} in the study folder, which `run` writes)",
    };

    /// <summary>A claim verdict as --json writes it (verdict in words, every check with its samples).</summary>
    public static object ClaimJson(ClaimResult c) => new
    {
        c.Id, c.Text, Verdict = ClaimEvaluator.Words(c.Verdict),
        Checks = c.Checks.Select(k => new
        {
            k.Kind, k.Statement, k.Test, k.Estimate, k.PValue, k.Alpha, Verdict = ClaimEvaluator.Words(k.Verdict), k.Reason,
            A = Side(k.A), B = k.B is null ? null : Side(k.B),
        }),
    };

    private static object Side(ClaimSideResult s) => new { s.Label, s.Metric, s.At, s.N, s.Mean, s.StdDev, s.Missing, s.Samples };

    /// <summary>The claims of <paramref name="studyFile"/>, else of the folder's study.yaml; null when neither exists.</summary>
    public static StudyClaims? LoadClaims(string folder, string? studyFile)
    {
        var path = studyFile ?? Path.Combine(folder, StudyFileName);
        if (studyFile is null && !File.Exists(path)) return null;
        if (!File.Exists(path)) throw new FileNotFoundException($"--study: '{path}' does not exist", path);
        // Without the data-path check: the report needs only which trials the claims select. Load reads no further
        // than a study file's size limit.
        var (definition, trials) = StudyFile.Load(path);
        return new StudyClaims(definition, trials);
    }

    /// <summary>
    /// Writes the report of the study or trial folder <paramref name="folder"/> to <paramref name="html"/> (default:
    /// <c>report.html</c> inside the folder), progress on stderr; shared by <c>report</c>, <c>run</c> and <c>pull --report</c>.
    /// </summary>
    public static ReportOutput Write(string folder, string? html = null, bool runPhate = true, string? split = null, string? studyFile = null) =>
        ReportBuilder.Build(folder, html ?? Path.Combine(folder, "report.html"), line => Console.Error.WriteLine(line),
            new AnalyzeOptions { RunPhate = runPhate, Split = split }, LoadClaims(folder, studyFile));
}
