namespace EquiGrid.Training.Data;

/// <summary>
/// A mini-batch of molecules as one disjoint graph: atoms of all molecules concatenated, edge indices offset
/// accordingly, and a batch vector mapping each atom to its molecule.
/// </summary>
public sealed class GraphBatch
{
    private GraphBatch(int[] atomicNumbers, float[] positions, int[] source, int[] target, int[] atomToMolecule, float[] targets, int[] gdbIds)
    {
        AtomicNumbers = atomicNumbers;
        Positions = positions;
        Source = source;
        Target = target;
        AtomToMolecule = atomToMolecule;
        Targets = targets;
        GdbIds = gdbIds;
    }

    /// <summary>Atomic number per atom of the batch.</summary>
    public int[] AtomicNumbers { get; }
    /// <summary>Positions, x,y,z per atom.</summary>
    public float[] Positions { get; }
    /// <summary>Edge sources (batch atom indices).</summary>
    public int[] Source { get; }
    /// <summary>Edge destinations (batch atom indices).</summary>
    public int[] Target { get; }
    /// <summary>Molecule index (0..MoleculeCount-1) of each atom.</summary>
    public int[] AtomToMolecule { get; }
    /// <summary>Normalised target per molecule.</summary>
    public float[] Targets { get; }
    /// <summary>QM9 id per molecule.</summary>
    public int[] GdbIds { get; }

    /// <summary>Number of molecules.</summary>
    public int MoleculeCount => Targets.Length;
    /// <summary>Number of atoms.</summary>
    public int AtomCount => AtomicNumbers.Length;
    /// <summary>Number of directed edges.</summary>
    public int EdgeCount => Source.Length;

    /// <summary>Concatenates molecules and their graphs into one disjoint graph.</summary>
    public static GraphBatch Collate(IReadOnlyList<Molecule> molecules, IReadOnlyList<MoleculeGraph> graphs, TargetNormalizer normalizer)
    {
        if (molecules.Count != graphs.Count) throw new ArgumentException($"{molecules.Count} molecules but {graphs.Count} graphs", nameof(graphs));
        int atoms = molecules.Sum(m => m.AtomCount), edges = graphs.Sum(g => g.EdgeCount);
        var z = new int[atoms];
        var pos = new float[atoms * 3];
        var src = new int[edges];
        var dst = new int[edges];
        var batch = new int[atoms];
        var targets = new float[molecules.Count];
        var ids = new int[molecules.Count];
        int a = 0, e = 0;
        for (int i = 0; i < molecules.Count; i++)
        {
            var m = molecules[i];
            var g = graphs[i];
            Array.Copy(m.AtomicNumbers, 0, z, a, m.AtomCount);
            Array.Copy(m.Positions, 0, pos, a * 3, m.AtomCount * 3);
            for (int k = 0; k < g.EdgeCount; k++)
            {
                src[e + k] = g.Source[k] + a;
                dst[e + k] = g.Target[k] + a;
            }
            Array.Fill(batch, i, a, m.AtomCount);
            targets[i] = (float)normalizer.Normalize(m.AtomizationEnergyEv);
            ids[i] = m.GdbId;
            a += m.AtomCount;
            e += g.EdgeCount;
        }
        return new GraphBatch(z, pos, src, dst, batch, targets, ids);
    }
}
