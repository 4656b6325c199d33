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
        var nsps = new Option<string?>("--nsps") { Description = "KEY<TAB>NSPS table (KEY = SMILES or id); default: the export's nsps field, else computed from the SMILES" };
        var noPhate = new Option<bool>("--no-phate") { Description = "Skip PHATE (no PHATE coordinates or PHATE structure score)" };
        var seed = new Option<int>("--seed") { Description = "PHATE seed (the reference study's script uses 21516)", DefaultValueFactory = _ => PhateOptions.ReferenceStudy.Seed };
        var split = SplitOption();
        var json = CliApp.JsonOption();
        var cmd = new Command("analyze", "Compute per-l utilisation metrics (utilisation.json) and PHATE projections of a trial") { trial, nsps, noPhate, seed, split, json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var dir = new TrialDirectory(parse.GetValue(trial)!);
            // NSPS source, first found: the export's nsps field, --nsps, a previous analysis/nsps.tsv, the SMILES.
            var set = dir.LoadEmbeddings();
            if (parse.GetValue(nsps) is { } table) set = set.WithNsps(NspsTable.Join(set, NspsTable.Read(table), table));
            void Log(string line) => Console.Error.WriteLine($"analyze: {line}");
            set = dir.AttachNsps(set, computeFromSmiles: true, Log);
            var res = dir.Analyze(set, new AnalyzeOptions
            {
                RunPhate = !parse.GetValue(noPhate),
                Phate = PhateOptions.ReferenceStudy with { Seed = parse.GetValue(seed) },
                Split = CheckedSplit(parse.GetValue(split)),
            }, Log);
            if (parse.GetValue(json)) CliApp.WriteJson(res.Summary);
            else Console.WriteLine($"wrote {dir.File_(TrialDirectory.UtilisationFile)}");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>--split test|val|train|all (default test, as the reference study's figures), shared by analyze and report.</summary>
    public static Option<string?> SplitOption() => new("--split")
    {
        Description = "Molecules to analyse: test (default, as the reference study's figures), val, train or all",
    };

    /// <summary>The split or null (default); a bad value is a usage error naming the accepted ones.</summary>
    public static string? CheckedSplit(string? value)
    {
        if (value is null) return null;
        try { return AnalysisSplit.Normalise(value); }
        catch (ArgumentException e) { throw new UserInputException(e.Message); }
    }
}
