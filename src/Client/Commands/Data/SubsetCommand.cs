using System.CommandLine;
using System.Security.Cryptography;
using EquiGrid.Client.Cli;
using EquiGrid.Training.Data;

namespace EquiGrid.Client.Commands.Data;

/// <summary>
/// <c>equigrid data subset --from PATH [--smiles CSV] --count 2000 --seed 21616 --out FILE</c>: regenerates the shipped
/// subset (see <see cref="Qm9SubsetBuilder"/> for the procedure) and prints its sha256.
/// </summary>
public static class SubsetCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "QM9 data with U0 (file, directory or tarball)", Required = true };
        var smiles = new Option<string?>("--smiles") { Description = "CSV with gdb_id,smiles columns to join (e.g. qm9_properties_union.csv.xz)" };
        var count = new Option<int>("--count") { Description = "Molecules to keep", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Selection seed", DefaultValueFactory = _ => 21616 };
        var output = new Option<string>("--out") { Description = "Output file (.xyz or .xyz.gz)", Required = true };
        var json = CliApp.JsonOption();
        var cmd = new Command("subset", "Write a seeded subset of molecules with U0 and SMILES in QM9's extended xyz") { from, smiles, count, seed, output, json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            string outPath = parse.GetValue(output)!;
            var result = Qm9SubsetBuilder.Build(parse.GetValue(from)!, parse.GetValue(smiles), parse.GetValue(count), parse.GetValue(seed), outPath);
            string sha;
            using (var f = File.OpenRead(outPath)) sha = Convert.ToHexStringLower(SHA256.HashData(f));
            if (parse.GetValue(json))
                CliApp.WriteJson(new { Output = outPath, result.Candidates, result.Selected, result.WithoutSmiles, Sha256 = sha });
            else
                Console.WriteLine($"wrote {result.Selected} of {result.Candidates} candidates ({result.WithoutSmiles} with U0 but no SMILES skipped) to {outPath}\nsha256 {sha}");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
