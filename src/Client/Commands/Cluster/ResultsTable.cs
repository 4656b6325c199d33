using EquiGrid.Grains;
using Spectre.Console;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>The study table in machine (JSON rows) and human (table) form.</summary>
internal static class ResultsTable
{
    /// <summary>One flat row per trial.</summary>
    public static IEnumerable<object> Rows(StudySnapshot s) => s.Rows.Select(r => new
    {
        r.TrialId, r.Config.LSet, r.Config.Hidden, r.Config.Epochs, r.Config.Seed, r.Config.Extra, r.Status,
        r.Attempts, r.Outcome?.Parameters, r.Outcome?.TestMaeEv, r.Outcome?.TestRmseEv, r.Outcome?.TestMseNormalized,
        r.Outcome?.WeightsSha256, EpochHistory = r.Outcome?.Epochs, r.Outcome?.UtilisationJson, r.Error,
    });

    /// <summary>Prints the table.</summary>
    public static void Print(StudySnapshot s)
    {
        var t = new Table().AddColumns("L-set", "h", "epochs", "seed", "state", "params", "test MAE (eV)", "test RMSE (eV)");
        foreach (var r in s.Rows)
            t.AddRow(r.Config.LSet, r.Config.Hidden.ToString(), r.Config.Epochs.ToString(), r.Config.Seed.ToString(), r.Status.ToString().ToLowerInvariant(),
                r.Outcome?.Parameters.ToString() ?? "-", r.Outcome?.TestMaeEv.ToString("F4") ?? "-", r.Outcome?.TestRmseEv.ToString("F4") ?? "-");
        AnsiConsole.Write(t);
        Console.WriteLine(StudyView.Summary(s));
    }
}
