using System.CommandLine;
using System.Globalization;
using EquiGrid.Analysis.Chemistry;
using EquiGrid.Client.Cli;

namespace EquiGrid.Client.Commands;

/// <summary>
/// <c>equigrid nsps --input smiles.txt [--per-atom] [--output out.tsv]</c>: normalised spacial score of each
/// SMILES (first whitespace-separated field of each non-blank line). Writes <c>SMILES&lt;TAB&gt;NSPS</c>; with
/// <c>--per-atom</c> the molecule line also carries SPS and is followed by one <c>#</c> line per heavy atom
/// (the reference fixture's format). A SMILES that cannot be read gives a NaN row, one error line on stderr
/// naming its line number, and exit code 1 once all lines are scored.
/// </summary>
public static class NspsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input") { Description = "Text file with one SMILES per line", Required = true };
        var perAtom = new Option<bool>("--per-atom") { Description = "Also write the per-atom terms h, s, r, n and their product" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the table here instead of stdout" };
        var cmd = new Command("nsps", "Normalised spacial score (NSPS) of SMILES, with RDKit-equivalent perception") { input, perAtom, output };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var inFile = parse.GetValue(input)!;
            if (!inFile.Exists) throw new FileNotFoundException($"input file '{inFile.FullName}' does not exist; pass --input with a text file of SMILES");
            var outFile = parse.GetValue(output);
            using var reader = inFile.OpenText();
            if (outFile is null) return Run(reader, Console.Out, Console.Error, parse.GetValue(perAtom), inFile.Name);
            using var writer = new StreamWriter(outFile.FullName);
            return Run(reader, writer, Console.Error, parse.GetValue(perAtom), inFile.Name);
        }, ct));
        return cmd;
    }

    /// <summary>
    /// Scores every SMILES line of <paramref name="input"/>, writing the table to <paramref name="output"/> and one
    /// line per unreadable SMILES to <paramref name="error"/>. Returns 0, or 1 when any line failed.
    /// </summary>
    public static int Run(TextReader input, TextWriter output, TextWriter error, bool perAtom, string sourceName = "input")
    {
        int lineNumber = 0, failures = 0;
        string? line;
        while ((line = input.ReadLine()) != null)
        {
            lineNumber++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0) continue;
            var smiles = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
            if (!Nsps.TryCompute(smiles, out var result, out var message))
            {
                failures++;
                error.WriteLine($"equigrid: error: {sourceName} line {lineNumber}: {message}");
                output.WriteLine(perAtom ? $"{smiles}\tNaN\tNaN" : $"{smiles}\tNaN");
                continue;
            }
            var nsps = result.Nsps.ToString("G10", CultureInfo.InvariantCulture);
            if (!perAtom)
            {
                output.WriteLine($"{smiles}\t{nsps}");
                continue;
            }
            output.WriteLine($"{smiles}\t{nsps}\t{result.Sps.ToString(CultureInfo.InvariantCulture)}");
            foreach (var a in result.Atoms)
                output.WriteLine($"#\t{a.Index}\t{a.Element}\t{a.H}\t{a.S}\t{a.R}\t{a.N}\t{a.Product}");
        }
        output.Flush();
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
