using System.Diagnostics;
using System.Globalization;
using EquiGrid.Client.Commands;

namespace EquiGrid.Client.Tests;

/// <summary>The <c>nsps</c> verb: table format, per-atom lines, bad lines reported and still tabled.</summary>
public class NspsCommandTests
{
    [Fact]
    public void Run_WritesSmilesAndNsps_AndFlagsBadLinesWithTheirNumber()
    {
        var input = new StringReader("CCO\n\nc1ccccc1 benzene\nC1CC(\nN#CCC(N)=O\n");
        var output = new StringWriter();
        var error = new StringWriter();

        int code = NspsCommand.Run(input, output, error, perAtom: false, sourceName: "smiles.txt");

        Assert.Equal(1, code);
        var rows = output.ToString().Trim().Split('\n').Select(r => r.TrimEnd('\r').Split('\t')).ToArray();
        Assert.Equal(4, rows.Length);
        Assert.Equal(["CCO", "c1ccccc1", "C1CC(", "N#CCC(N)=O"], rows.Select(r => r[0]));
        // Ethanol: CH3 3*1, CH2 3*4, O 3*1 over 3 atoms = 6; benzene: 2*4 per atom = 8; fixture value 6.5.
        Assert.Equal(6.0, double.Parse(rows[0][1], CultureInfo.InvariantCulture), 12);
        Assert.Equal(8.0, double.Parse(rows[1][1], CultureInfo.InvariantCulture), 12);
        Assert.Equal("NaN", rows[2][1]);
        Assert.Equal(6.5, double.Parse(rows[3][1], CultureInfo.InvariantCulture), 12);
        var errors = error.ToString().Trim().Split('\n');
        Assert.Single(errors);
        Assert.Contains("smiles.txt line 4", errors[0]);
        Assert.Contains("character", errors[0]);
    }

    [Fact]
    public void Run_PerAtom_WritesTheFixtureFormat()
    {
        var output = new StringWriter();
        int code = NspsCommand.Run(new StringReader("N#CCC(N)=O\n"), output, new StringWriter(), perAtom: true);

        Assert.Equal(0, code);
        var lines = output.ToString().Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("N#CCC(N)=O\t6.5\t39", lines[0]);
        Assert.Equal(7, lines.Length);
        // The amide N is conjugated with C=O, so RDKit (and the fixture) count it sp2.
        Assert.Equal("#\t4\tN\t2\t1\t1\t1\t2", lines[5]);
    }

    [Fact]
    public async Task Executable_ExitsWith1_AndStillWritesEveryRow()
    {
        var dir = Directory.CreateTempSubdirectory("nsps-cli");
        try
        {
            var inPath = Path.Combine(dir.FullName, "smiles.txt");
            var outPath = Path.Combine(dir.FullName, "out.tsv");
            File.WriteAllText(inPath, "C[C@H](O)CC\nC(C)(C)(C)(C)C\n");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "equigrid.dll"));
            foreach (var a in new[] { "nsps", "--input", inPath, "--output", outPath }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            await p.StandardOutput.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await p.WaitForExitAsync(limit.Token);

            Assert.Equal(1, p.ExitCode);
            Assert.Contains("line 2", await stderr);
            var rows = File.ReadAllLines(outPath);
            Assert.Equal(2, rows.Length);
            Assert.StartsWith("C[C@H](O)CC\t", rows[0]);
            Assert.Equal("C(C)(C)(C)(C)C\tNaN", rows[1]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
