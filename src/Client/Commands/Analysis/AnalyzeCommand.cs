using System.CommandLine;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Client.Cli;

namespace EquiGrid.Client.Commands.Analysis;

/// <summary><c>equigrid analyze TRIAL_DIR</c>: utilisation.json and per-block PHATE coordinates of a trained trial.</summary>
public static class AnalyzeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var trial = new Argument<string>("trial") { Description = "Trial folder with an embeddings/ export (see docs/analysis.md)" };
        var nsps = new Option<string?>("--nsps") { Description = "KEY<TAB>NSPS table (KEY = SMILES or id) when the export has no nsps field" };
        var noPhate = new Option<bool>("--no-phate") { Description = "Skip PHATE (no PHATE coordinates or PHATE structure score)" };
        var seed = new Option<int>("--seed") { Description = "PHATE seed", DefaultValueFactory = _ => 42 };
        var json = CliApp.JsonOption();
        var cmd = new Command("analyze", "Compute per-l utilisation metrics (utilisation.json) and PHATE projections of a trial") { trial, nsps, noPhate, seed, json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var dir = new TrialDirectory(parse.GetValue(trial)!);
            var set = dir.LoadEmbeddingsWithNsps();
            if (parse.GetValue(nsps) is { } table) set = set.WithNsps(NspsTable.Join(set, NspsTable.Read(table), table));
            if (set.Nsps is null) Console.Error.WriteLine("analyze: no NSPS (neither in the export nor --nsps): structure scores are not available");
            var res = UtilisationAnalyzer.Analyze(dir.Name, set, dir.LoadAblation(),
                new AnalyzeOptions { RunPhate = !parse.GetValue(noPhate), Phate = new PhateOptions { Seed = parse.GetValue(seed) } },
                line => Console.Error.WriteLine($"analyze: {line}"));
            dir.SaveAnalysis(res, set);
            if (parse.GetValue(json)) CliApp.WriteJson(res.Summary);
            else Console.WriteLine($"wrote {dir.File_(TrialDirectory.UtilisationFile)}");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
