using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Training.Data;

namespace EquiGrid.Client.Commands.Data;

/// <summary><c>equigrid data stats [--data PATH] [--json]</c>: loads a QM9 set (default: the shipped subset) and prints its statistics.</summary>
public static class StatsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "QM9 file, directory or tarball (default: the shipped ~2,000-molecule subset)" };
        var keepAll = new Option<bool>("--keep-uncharacterized") { Description = "Do not drop the 3,054 uncharacterized molecules" };
        var json = CliApp.JsonOption();
        var cmd = new Command("stats", "Load QM9 and print count, elements and atomization-energy statistics") { data, keepAll, json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var path = parse.GetValue(data);
            var options = parse.GetValue(keepAll) ? Qm9ReadOptions.All : Qm9ReadOptions.Default;
            var ds = path == null ? Qm9Dataset.LoadDefault() : Qm9Dataset.Load(path, options);
            var s = ds.Statistics();
            if (parse.GetValue(json))
            {
                CliApp.WriteJson(new
                {
                    Source = ds.Source, s.Count, s.WithU0, s.WithSmiles, s.Atoms, s.MaxAtoms, Elements = s.ElementCounts,
                    s.MinGdbId, s.MaxGdbId, MeanAtomizationEv = s.MeanAtomizationEv, StdAtomizationEv = s.StdAtomizationEv,
                });
                return ExitCodes.Ok;
            }
            Console.WriteLine($"source        {ds.Source}");
            Console.WriteLine($"molecules     {s.Count:N0} (gdb {s.MinGdbId}..{s.MaxGdbId}; {s.WithU0:N0} with U0, {s.WithSmiles:N0} with SMILES)");
            Console.WriteLine($"atoms         {s.Atoms:N0} (max {s.MaxAtoms} per molecule)");
            Console.WriteLine($"elements      {string.Join(", ", s.ElementCounts.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
            Console.WriteLine(s.WithU0 > 0
                ? $"U0 atomization energy  mean {s.MeanAtomizationEv:F4} eV, std {s.StdAtomizationEv:F4} eV"
                : "U0 atomization energy  (no U0 in this data: geometry only)");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
