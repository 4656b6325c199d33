using EquiGrid.Analysis.Chemistry;

namespace EquiGrid.Analysis.Data;

/// <summary>NSPS of every molecule of an embedding set computed from its SMILES (the last resort when neither the export nor a table has NSPS).</summary>
public static class NspsFromSmiles
{
    /// <summary>
    /// Computes NSPS for every SMILES. A molecule without a SMILES (QM9 has a few on hand without one) or with one
    /// that cannot be scored gets NaN: the analysis leaves it out of the NSPS-based scores and counts it
    /// (<see cref="Utilisation.UtilisationSummary.MoleculesWithoutNsps"/>), so one missing SMILES never costs a
    /// trial's analysis. The first unscorable SMILES is reported through <paramref name="log"/>.
    /// </summary>
    public static double[] Compute(EmbeddingSet set, string source, Action<string>? log = null)
    {
        var r = new double[set.Count];
        int missing = 0, failed = 0;
        string? first = null;
        for (int i = 0; i < set.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(set.Smiles[i])) { r[i] = double.NaN; missing++; continue; }
            if (Nsps.TryCompute(set.Smiles[i], out var res, out var error)) { r[i] = res.Nsps; continue; }
            r[i] = double.NaN;
            failed++;
            first ??= $"id {set.Ids[i]} SMILES '{set.Smiles[i]}': {error}";
        }
        if (missing > 0) log?.Invoke($"{source}: {missing} of {set.Count} molecules have no SMILES; they are left out of the NSPS-based scores");
        if (failed > 0) log?.Invoke($"{source}: NSPS could not be computed for {failed} of {set.Count} molecules (first: {first}); they are left out of the NSPS-based scores");
        return r;
    }
}
