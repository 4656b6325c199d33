using System.Globalization;

namespace EquiGrid.Analysis.Tests.Chemistry;

/// <summary>One molecule of the RDKit reference fixture with its per-atom terms.</summary>
public sealed record NspsFixtureMolecule(string Smiles, double Nsps, int Sps, IReadOnlyList<int[]> Atoms, IReadOnlyList<string> Elements);

/// <summary>Reads Fixtures/nsps/qm9_nsps_per_atom.tsv (copied next to the test assembly).</summary>
public static class NspsFixture
{
    public static IReadOnlyList<NspsFixtureMolecule> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nsps", "qm9_nsps_per_atom.tsv");
        var result = new List<NspsFixtureMolecule>();
        string? smiles = null;
        double nsps = 0;
        int sps = 0;
        var atoms = new List<int[]>();
        var elements = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            if (f[0] == "#")
            {
                atoms.Add([int.Parse(f[1]), int.Parse(f[3]), int.Parse(f[4]), int.Parse(f[5]), int.Parse(f[6]), int.Parse(f[7])]);
                elements.Add(f[2]);
                continue;
            }
            if (smiles != null) result.Add(new NspsFixtureMolecule(smiles, nsps, sps, atoms, elements));
            smiles = f[0];
            nsps = double.Parse(f[1], CultureInfo.InvariantCulture);
            sps = int.Parse(f[2], CultureInfo.InvariantCulture);
            atoms = [];
            elements = [];
        }
        if (smiles != null) result.Add(new NspsFixtureMolecule(smiles, nsps, sps, atoms, elements));
        return result;
    }
}
