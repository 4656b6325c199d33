using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests;

/// <summary>Small random molecules (H, C, N, O in a few-Angstrom cloud) with radius graphs, for model tests.</summary>
internal static class SyntheticMolecules
{
    public static List<Molecule> Create(int count, int seed, int minAtoms = 4, int maxAtoms = 10)
    {
        var rng = new Random(seed);
        int[] elements = { 1, 6, 7, 8 };
        var list = new List<Molecule>();
        for (int m = 0; m < count; m++)
        {
            int n = rng.Next(minAtoms, maxAtoms + 1);
            var z = new int[n];
            var pos = new float[n * 3];
            for (int i = 0; i < n; i++)
            {
                z[i] = elements[rng.Next(elements.Length)];
                for (int k = 0; k < 3; k++) pos[i * 3 + k] = (float)(rng.NextDouble() * 4 - 2);
            }
            // A made-up but smooth energy so training has something to learn.
            double u0 = z.Sum(Molecule.AtomReferenceU0Hartree) - 0.1 * n - 0.01 * pos.Sum(p => p * p);
            list.Add(new Molecule(m + 1, z, pos, u0));
        }
        return list;
    }

    public static MoleculeGraph RadiusGraph(Molecule m, double cutoff = 3.0)
    {
        var src = new List<int>();
        var dst = new List<int>();
        for (int i = 0; i < m.AtomCount; i++)
            for (int j = 0; j < m.AtomCount; j++)
            {
                if (i == j) continue;
                double d2 = 0;
                for (int k = 0; k < 3; k++) { double d = m.Positions[i * 3 + k] - m.Positions[j * 3 + k]; d2 += d * d; }
                if (d2 < cutoff * cutoff) { src.Add(i); dst.Add(j); }
            }
        return new MoleculeGraph(src.ToArray(), dst.ToArray());
    }

    public static GraphBatch Batch(IReadOnlyList<Molecule> molecules) =>
        GraphBatch.Collate(molecules, molecules.Select(m => RadiusGraph(m)).ToList(), new TargetNormalizer());
}
