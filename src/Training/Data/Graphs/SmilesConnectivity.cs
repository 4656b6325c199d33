namespace EquiGrid.Training.Data;

/// <summary>An undirected labelled graph: atomic number per vertex and sorted (i &lt; j) edges.</summary>
public sealed record LabeledGraph(int[] AtomicNumbers, Bond[] Edges)
{
    /// <summary>Number of vertices.</summary>
    public int VertexCount => AtomicNumbers.Length;

    /// <summary>The subgraph of the non-hydrogen atoms (vertices renumbered in order).</summary>
    public LabeledGraph HeavyAtoms()
    {
        var map = new int[AtomicNumbers.Length];
        var z = new List<int>();
        for (int i = 0; i < AtomicNumbers.Length; i++)
        {
            map[i] = AtomicNumbers[i] == 1 ? -1 : z.Count;
            if (AtomicNumbers[i] != 1) z.Add(AtomicNumbers[i]);
        }
        var edges = Edges.Where(e => map[e.I] >= 0 && map[e.J] >= 0).Select(e => new Bond(map[e.I], map[e.J])).ToArray();
        return new LabeledGraph(z.ToArray(), edges);
    }

    /// <summary>The graph of a molecule's perceived bonds.</summary>
    public static LabeledGraph FromMolecule(Molecule m, double tolerance = BondPerception.DefaultTolerance) =>
        new(m.AtomicNumbers, BondPerception.Perceive(m, tolerance).ToArray());
}

/// <summary>
/// The connectivity of a SMILES string (heavy atoms and which of them are bonded; bond orders, charges and stereo
/// are dropped) read by the shared parser, <see cref="EquiGrid.Chemistry.SmilesParser"/>, so bond checks and NSPS
/// agree on what a SMILES says. Only the syntax is read: no valence or aromaticity rule can reject a molecule
/// whose connectivity is well defined. Explicit [H] atoms are folded into their neighbour, as the parser does,
/// so the graph never has hydrogen vertices (bond checks compare heavy-atom graphs only).
/// </summary>
public static class SmilesConnectivity
{
    /// <summary>Parses a SMILES into its heavy-atom graph; vertices in SMILES order, edges sorted.</summary>
    /// <exception cref="FormatException">Malformed SMILES; the message names the SMILES and the character.</exception>
    public static LabeledGraph Parse(string smiles)
    {
        var mol = EquiGrid.Chemistry.SmilesParser.Parse(smiles);
        var atomicNumbers = mol.Atoms.Select(a => a.AtomicNumber).ToArray();
        var edges = mol.Bonds
            .Select(b => new Bond(Math.Min(b.Begin, b.End), Math.Max(b.Begin, b.End)))
            .OrderBy(e => e.I).ThenBy(e => e.J)
            .ToArray();
        return new LabeledGraph(atomicNumbers, edges);
    }
}
