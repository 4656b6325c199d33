namespace EquiGrid.Analysis.Utilisation;

/// <summary>
/// Ablation and gradient-attribution numbers of a trial, read from the trainer's <c>ablation.json</c>.
/// They need the model, so the analysis never computes or guesses them: absent file = "not available".
/// </summary>
public sealed record AblationData(string Metric, double? Baseline, IReadOnlyDictionary<int, IReadOnlyList<LayerValue>> Ablation, IReadOnlyDictionary<int, IReadOnlyList<LayerValue>> Attribution)
{
    /// <summary>File name inside the embedding export folder.</summary>
    public const string FileName = AblationFile.FileName;
    /// <summary>Layer name of the final block in <c>ablation.json</c> (the others are "block_0", "block_1", ...).</summary>
    public const string FinalLayer = AblationFile.FinalLayer;

    /// <summary>
    /// Reads <c>ablation.json</c> (<see cref="AblationFile"/>): an ablation entry's change is its <c>delta</c>, else its
    /// <c>error</c> minus the file's <c>baseline</c>. Returns null when the file does not exist.
    /// </summary>
    public static AblationData? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        var file = ContractJson.Read<AblationFile>(path);
        var ablation = file.Ablation.Select((e, i) => (e.L, new LayerValue(e.Layer, e.Delta ?? (e.Error - file.Baseline)
            ?? throw new InvalidDataException($"{path}: 'ablation'[{i}] has no 'delta' (or 'error' with a top-level 'baseline')"))));
        return new AblationData(file.Metric ?? "test_error", file.Baseline, ByOrder(ablation), ByOrder(file.Attribution.Select(e => (e.L, new LayerValue(e.Layer, e.Value)))));
    }

    private static IReadOnlyDictionary<int, IReadOnlyList<LayerValue>> ByOrder(IEnumerable<(int L, LayerValue Value)> entries) =>
        entries.GroupBy(e => e.L).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => (IReadOnlyList<LayerValue>)g.Select(e => e.Value).ToList());
}
