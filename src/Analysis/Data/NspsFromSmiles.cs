using EquiGrid.Analysis.Chemistry;

namespace EquiGrid.Analysis.Data;

/// <summary>NSPS of every molecule of an embedding set computed from its SMILES (the last resort when neither the export nor a table has NSPS).</summary>
public static class NspsFromSmiles
{
    /// <summary>
    /// Computes NSPS for every SMILES; any molecule that cannot be scored is an error naming it and the count, since
    /// a structure score over a silently shrunken set would not be comparable between trials.
    /// </summary>
    public static double[] Compute(EmbeddingSet set, string source)
    {
        var r = new double[set.Count];
        int failed = 0;
        string? first = null;
        for (int i = 0; i < set.Count; i++)
        {
            if (Nsps.TryCompute(set.Smiles[i], out var res, out var error)) { r[i] = res.Nsps; continue; }
            failed++;
            first ??= $"id {set.Ids[i]} SMILES '{set.Smiles[i]}': {error}";
        }
        if (failed > 0)
            throw new InvalidDataException($"{source}: NSPS could not be computed for {failed} of {set.Count} molecules (first: {first}); pass --nsps with a KEY<TAB>NSPS table");
        return r;
    }
}
