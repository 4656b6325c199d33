namespace EquiGrid.Training.Data;

/// <summary>
/// Checks perceived bonds against SMILES: the heavy-atom graph from geometry must be isomorphic (elements
/// preserved) to the heavy-atom graph of the molecule's SMILES.
/// </summary>
public static class BondAgreement
{
    /// <summary>Agreement over a set of molecules.</summary>
    /// <param name="Checked">Molecules with a SMILES that were compared.</param>
    /// <param name="Agreeing">Of those, how many matched.</param>
    /// <param name="Mismatches">gdb ids that did not match (SMILES unparseable counts as a mismatch).</param>
    public sealed record Summary(int Checked, int Agreeing, IReadOnlyList<int> Mismatches)
    {
        /// <summary>Agreeing / Checked (NaN when nothing was checked).</summary>
        public double Rate => Checked == 0 ? double.NaN : (double)Agreeing / Checked;
    }

    /// <summary>True when the molecule's perceived heavy-atom graph matches its SMILES.</summary>
    public static bool Agrees(Molecule m, double tolerance = BondPerception.DefaultTolerance)
    {
        if (m.Smiles == null) throw new ArgumentException($"gdb {m.GdbId} has no SMILES to compare with", nameof(m));
        var fromSmiles = SmilesConnectivity.Parse(m.Smiles).HeavyAtoms();
        var fromGeometry = LabeledGraph.FromMolecule(m, tolerance).HeavyAtoms();
        return GraphIsomorphism.AreIsomorphic(fromGeometry, fromSmiles);
    }

    /// <summary>Compares every molecule that has a SMILES.</summary>
    public static Summary Check(IEnumerable<Molecule> molecules, double tolerance = BondPerception.DefaultTolerance)
    {
        int total = 0, agree = 0;
        var bad = new List<int>();
        foreach (var m in molecules)
        {
            if (m.Smiles == null) continue;
            total++;
            bool ok;
            try { ok = Agrees(m, tolerance); }
            catch (FormatException) { ok = false; }
            if (ok) agree++;
            else bad.Add(m.GdbId);
        }
        return new Summary(total, agree, bad);
    }
}
