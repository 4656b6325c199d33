using System.CommandLine;
using EquiGrid.Analysis.Report;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Client.Cli;

namespace EquiGrid.Client.Commands.Analysis;

/// <summary><c>equigrid report STUDY_OR_TRIAL_DIR [--out report.html]</c>: self-contained HTML + Markdown study report.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "Study folder (one sub-folder per trial, optional study.json) or a single trial folder" };
        var output = new Option<string>("--out") { Description = "HTML file to write (the Markdown version goes next to it)", DefaultValueFactory = _ => "report.html" };
        var noPhate = new Option<bool>("--no-phate") { Description = "When a trial must be analysed first, skip PHATE" };
        var split = AnalyzeCommand.SplitOption();
        split.Description += "; a trial analysed for another split is analysed again";
        var cmd = new Command("report", "Write the study report: table, PHATE figures coloured by NSPS, utilisation bars, tensor-product paths, learning curves") { path, output, noPhate, split };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var res = Write(parse.GetValue(path)!, parse.GetValue(output)!, runPhate: !parse.GetValue(noPhate), split: AnalyzeCommand.CheckedSplit(parse.GetValue(split)));
            Console.WriteLine(res.Html);
            Console.WriteLine(res.Markdown);
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>
    /// Writes the report of the study or trial folder <paramref name="folder"/> to <paramref name="html"/> (default:
    /// <c>report.html</c> inside the folder), progress on stderr; shared by <c>report</c>, <c>run</c> and <c>pull --report</c>.
    /// </summary>
    public static ReportOutput Write(string folder, string? html = null, bool runPhate = true, string? split = null) =>
        ReportBuilder.Build(folder, html ?? Path.Combine(folder, "report.html"), line => Console.Error.WriteLine(line),
            new AnalyzeOptions { RunPhate = runPhate, Split = split });
}
