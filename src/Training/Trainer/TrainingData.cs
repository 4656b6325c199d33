using EquiGrid.Training.Data;

namespace EquiGrid.Training;

/// <summary>Molecules with their graphs, built once per trial (graphs are pure functions of the geometry).</summary>
public sealed class TrainingData
{
    /// <summary>Pairs each molecule with the graph the spec asks for.</summary>
    public TrainingData(IReadOnlyList<Molecule> molecules, Func<Molecule, MoleculeGraph> graph, TargetNormalizer? normalizer = null)
    {
        if (molecules.Count < 3) throw new ArgumentException($"the dataset has {molecules.Count} molecules; training needs at least 3 (train/validation/test)");
        var missing = molecules.FirstOrDefault(m => double.IsNaN(m.U0Hartree));
        if (missing is not null) throw new ArgumentException($"molecule gdb {missing.GdbId} has no U0: train on a dataset with properties (the coordinates-only file has none)");
        Molecules = molecules;
        Graphs = molecules.Select(graph).ToArray();
        Normalizer = normalizer ?? new TargetNormalizer();
    }

    /// <summary>The molecules in file order.</summary>
    public IReadOnlyList<Molecule> Molecules { get; }
    /// <summary>The graph of each molecule.</summary>
    public IReadOnlyList<MoleculeGraph> Graphs { get; }
    /// <summary>Label normalisation.</summary>
    public TargetNormalizer Normalizer { get; }

    /// <summary>Collates the molecules at <paramref name="indices"/> into one batch.</summary>
    public GraphBatch Batch(IReadOnlyList<int> indices) =>
        GraphBatch.Collate(indices.Select(i => Molecules[i]).ToList(), indices.Select(i => Graphs[i]).ToList(), Normalizer);
}
