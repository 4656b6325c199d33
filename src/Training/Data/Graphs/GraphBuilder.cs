namespace EquiGrid.Training.Data;

/// <summary>
/// Builds a molecule's directed edge list: the bond graph (the reference study's choice) or a radius graph.
/// Edges come sorted by (source, target), so the same molecule always gives the same order.
/// </summary>
public static class GraphBuilder
{
    /// <summary>Both directions of every perceived covalent bond (see <see cref="BondPerception"/>).</summary>
    public static MoleculeGraph BondGraph(Molecule molecule, double tolerance = BondPerception.DefaultTolerance)
    {
        var bonds = BondPerception.Perceive(molecule, tolerance);
        var edges = new List<(int S, int T)>(bonds.Count * 2);
        foreach (var b in bonds)
        {
            edges.Add((b.I, b.J));
            edges.Add((b.J, b.I));
        }
        edges.Sort();
        return new MoleculeGraph(edges.Select(e => e.S).ToArray(), edges.Select(e => e.T).ToArray());
    }

    /// <summary>Every ordered pair of distinct atoms closer than <paramref name="cutoff"/> Angstrom (no self loops).</summary>
    public static MoleculeGraph RadiusGraph(Molecule molecule, double cutoff = 6.0)
    {
        if (!(cutoff > 0)) throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "cutoff must be > 0 Angstrom");
        var src = new List<int>();
        var dst = new List<int>();
        for (int i = 0; i < molecule.AtomCount; i++)
            for (int j = 0; j < molecule.AtomCount; j++)
                if (i != j && BondPerception.Distance(molecule.Positions, i, j) < cutoff)
                {
                    src.Add(i);
                    dst.Add(j);
                }
        return new MoleculeGraph(src.ToArray(), dst.ToArray());
    }
}
