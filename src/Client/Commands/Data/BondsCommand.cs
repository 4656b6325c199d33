using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Training.Data;

namespace EquiGrid.Client.Commands.Data;

/// <summary>
/// <c>equigrid data bonds [--data PATH] [--smiles CSV] [--tolerance 0.4] [--json]</c>: perceives bonds from geometry and
/// reports how often the heavy-atom graph agrees with the SMILES.
/// </summary>
public static class BondsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "QM9 file, directory or tarball (default: the shipped subset)" };
        var smiles = new Option<string?>("--smiles") { Description = "CSV with gdb_id,smiles columns, for data without SMILES lines" };
        var tolerance = new Option<double>("--tolerance") { Description = "Angstrom added to the covalent-radius sum", DefaultValueFactory = _ => BondPerception.DefaultTolerance };
        var show = new Option<int>("--show") { Description = "Mismatching gdb ids to list", DefaultValueFactory = _ => 10 };
        var json = CliApp.JsonOption();
        var cmd = new Command("bonds", "Check bonds perceived from geometry against the SMILES (heavy-atom graph isomorphism)") { data, smiles, tolerance, show, json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var path = parse.GetValue(data);
            var ds = path == null ? Qm9Dataset.LoadDefault() : Qm9Dataset.Load(path);
            IEnumerable<Molecule> molecules = ds.Molecules;
            if (parse.GetValue(smiles) is { } csv)
            {
                var table = SmilesTable.Read(csv);
                molecules = molecules.Select(m => table.TryGetValue(m.GdbId, out var s) ? m with { Smiles = s } : m);
            }
            double tol = parse.GetValue(tolerance);
            var summary = BondAgreement.Check(molecules, tol);
            var shown = summary.Mismatches.Take(Math.Max(0, parse.GetValue(show))).ToArray();
            if (parse.GetValue(json))
                CliApp.WriteJson(new { ds.Source, Tolerance = tol, summary.Checked, summary.Agreeing, summary.Rate, MismatchCount = summary.Mismatches.Count, Mismatches = shown });
            else
            {
                Console.WriteLine($"{ds.Source}: {summary.Agreeing:N0} of {summary.Checked:N0} molecules with a SMILES agree ({summary.Rate:P3}), tolerance {tol} A");
                if (shown.Length > 0) Console.WriteLine($"first mismatches (gdb): {string.Join(' ', shown)}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
