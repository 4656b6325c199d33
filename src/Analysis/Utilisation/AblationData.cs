using System.Text.Json.Nodes;
using EquiGrid.Analysis.Data;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>One number attached to an (l, layer) pair: an ablation error change or an attribution.</summary>
/// <param name="Layer">Where the l-block was zeroed / measured ("final", "block_2", ...).</param>
/// <param name="Value">The number.</param>
public sealed record LayerValue(string Layer, double Value);

/// <summary>
/// Ablation and gradient-attribution numbers of a trial, read from the trainer's <c>ablation.json</c>.
/// They need the model, so the analysis never computes or guesses them: absent file = "not available".
/// </summary>
public sealed record AblationData(string Metric, double? Baseline, IReadOnlyDictionary<int, IReadOnlyList<LayerValue>> Ablation, IReadOnlyDictionary<int, IReadOnlyList<LayerValue>> Attribution)
{
    /// <summary>File name inside the embedding export folder.</summary>
    public const string FileName = "ablation.json";
    /// <summary>Layer name of the final block in <c>ablation.json</c> (the others are "block_0", "block_1", ...).</summary>
    public const string FinalLayer = "final";

    /// <summary>
    /// Reads <c>{"metric", "baseline", "ablation": [{"layer", "l", "delta" | "error"}], "attribution": [{"layer", "l", "value"}]}</c>
    /// (any key spelling). Returns null when the file does not exist.
    /// </summary>
    public static AblationData? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        var json = LooseJson.ReadObject(path);
        string metric = LooseJson.Text(json, "metric") ?? "test_error";
        double? baseline = LooseJson.Number(json, "baseline");
        return new AblationData(metric, baseline, Entries(json, "ablation", baseline, path), Entries(json, "attribution", null, path));
    }

    private static IReadOnlyDictionary<int, IReadOnlyList<LayerValue>> Entries(JsonObject json, string name, double? baseline, string path)
    {
        var result = new SortedDictionary<int, List<LayerValue>>();
        if (LooseJson.Get(json, name) is not JsonArray arr) return new Dictionary<int, IReadOnlyList<LayerValue>>();
        for (int i = 0; i < arr.Count; i++)
        {
            if (arr[i] is not JsonObject o) throw new InvalidDataException($"{path}: '{name}'[{i}] is not an object");
            int l = (int)(LooseJson.Number(o, "l") ?? throw new InvalidDataException($"{path}: '{name}'[{i}] has no 'l'"));
            string layer = LooseJson.Text(o, "layer") ?? "final";
            double? v = LooseJson.Number(o, "delta") ?? LooseJson.Number(o, "value") ?? LooseJson.Number(o, "delta_error");
            if (v is null && LooseJson.Number(o, "error") is { } err && baseline is { } b) v = err - b;
            if (v is null) throw new InvalidDataException($"{path}: '{name}'[{i}] has no 'delta' or 'value' (or 'error' with a top-level 'baseline')");
            if (!result.TryGetValue(l, out var list)) result[l] = list = new();
            list.Add(new LayerValue(layer, v.Value));
        }
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<LayerValue>)kv.Value);
    }
}
