namespace EquiGrid.Training.Data;

/// <summary>A seeded random 0.8 / 0.1 / 0.1 split of molecule indices (the reference study's seed is 21616).</summary>
public sealed record DatasetSplit(int[] Train, int[] Validation, int[] Test)
{
    /// <summary>
    /// Shuffles 0..count-1 with a seeded generator (System.Random with a seed is stable across runs of one .NET
    /// version) and cuts it into train/validation/test.
    /// </summary>
    public static DatasetSplit Create(int count, int seed, double trainFraction = 0.8, double validationFraction = 0.1)
    {
        if (count < 3) throw new ArgumentException($"need at least 3 molecules to split, got {count}", nameof(count));
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        int nTrain = (int)Math.Round(count * trainFraction);
        int nVal = (int)Math.Round(count * validationFraction);
        nTrain = Math.Clamp(nTrain, 1, count - 2);
        nVal = Math.Clamp(nVal, 1, count - nTrain - 1);
        return new DatasetSplit(order[..nTrain], order[nTrain..(nTrain + nVal)], order[(nTrain + nVal)..]);
    }
}
