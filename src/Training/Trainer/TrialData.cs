using EquiGrid.Training.Data;

namespace EquiGrid.Training;

/// <summary>Loads the dataset a trial spec names and builds its graphs.</summary>
public static class TrialData
{
    /// <summary>
    /// The spec's QM9 source (<see cref="TrialSpec.DataPath"/>, or the subset shipped with EquiGrid) with the graphs
    /// the spec asks for: "bond" (the reference: perceived covalent bonds, both directions) or "radius" (cutoff).
    /// </summary>
    public static TrainingData Load(TrialSpec spec)
    {
        var dataset = spec.DataPath is null ? Qm9Dataset.LoadDefault() : Qm9Dataset.Load(spec.DataPath);
        Func<Molecule, MoleculeGraph> graph = spec.Graph switch
        {
            "bond" => m => GraphBuilder.BondGraph(m),
            "radius" => m => GraphBuilder.RadiusGraph(m, spec.Cutoff),
            _ => throw new ArgumentException($"graph = '{spec.Graph}': use 'bond' (the reference) or 'radius'"),
        };
        return new TrainingData(dataset.Molecules, graph);
    }
}
