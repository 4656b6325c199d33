using EquiGrid.Grains;
using Spectre.Console;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>The study table in human form (its machine form is <see cref="StudyTable"/>'s JSON).</summary>
internal static class ResultsTable
{
    /// <summary>Prints the table.</summary>
    public static void Print(StudySnapshot s)
    {
        var t = new Table().AddColumns("L-set", "h", "epochs", "seed", "state", "params", "test MAE (eV)", "test RMSE (eV)");
        foreach (var r in s.Rows)
            t.AddRow(r.Spec.LSet, r.Spec.Hidden.ToString(), r.Spec.Epochs.ToString(), r.Spec.Seed.ToString(), r.Status.ToString().ToLowerInvariant(),
                r.Result?.Parameters.ToString() ?? "-", r.Result?.TestMaeEv.ToString("F4") ?? "-", r.Result?.TestRmseEv.ToString("F4") ?? "-");
        AnsiConsole.Write(t);
        Console.WriteLine(StudyView.Summary(s));
    }
}
