using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EquiGrid.Grains.Studies;

namespace EquiGrid.Analysis.Claims;

/// <summary>
/// A trial's numbers by name, as claims read them (docs/analysis.md "Metric names"). Read generically so that a metric
/// the trainer or the analysis starts writing is usable in a claim without a change here:
/// <list type="bullet">
/// <item>every top-level number of the trial's result ("test_mse_normalized", "parameters", ...; as result.json names them);</item>
/// <item>every number of its utilisation summary by its snake_case path (as utilisation.json names them), where a list of per-order entries contributes
/// "l{L}." names ("l1.structure_knn_r2", "before_final.l2.variance_share") and a list of per-layer values
/// contributes the layer ("l1.ablation.block_2");</item>
/// <item>at a point of training ("30%"): the utilisation snapshot exported nearest that share of the epochs
/// (its per-layer entries named as above; layers other than "final" prefixed with their name).</item>
/// </list>
/// </summary>
public sealed class TrialMetrics
{
    private readonly Dictionary<string, double> _final;
    private readonly List<(double Fraction, int Epoch, Dictionary<string, double> Values)> _snapshots;

    private TrialMetrics(Dictionary<string, double> final, List<(double, int, Dictionary<string, double>)> snapshots, int? epochs)
    {
        _final = final;
        _snapshots = snapshots;
        Epochs = epochs;
    }

    /// <summary>Epochs of the trial (its spec's), when known.</summary>
    public int? Epochs { get; }

    /// <summary>Every end-of-training name, sorted (for messages and the JSON output).</summary>
    public IReadOnlyList<string> Names => _final.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The numbers of a trial's result (a study-table row's) and of the utilisation summary it carries (either part
    /// may be missing: its names are then absent).
    /// </summary>
    public static TrialMetrics Read(TrialResult result)
    {
        var final = new Dictionary<string, double>(StringComparer.Ordinal);
        var snapshots = new List<(double, int, Dictionary<string, double>)>();
        // Through the contracts' JSON (snake_case) so that a metric is named as result.json and utilisation.json name it.
        var json = (JsonObject)JsonSerializer.SerializeToNode(result with { Utilisation = null }, ContractJson.Options)!;
        foreach (var (key, value) in json)
            if (Number(value) is { } v) final[key] = v;
        if (result.Utilisation is { } summary)
        {
            var u = (JsonObject)JsonSerializer.SerializeToNode(summary, ContractJson.Options)!;
            foreach (var (key, value) in u)
            {
                if (key == "snapshots") continue;
                Flatten(key, value, final, top: true);
            }
            if (u["snapshots"] is JsonArray snaps)
                foreach (var snap in snaps.OfType<JsonObject>())
                {
                    var fraction = Number(snap["fraction"]);
                    var epoch = (int?)Number(snap["epoch"]);
                    if (fraction is null || epoch is null) continue;
                    var layer = Text(snap["layer"]) ?? "final";
                    var prefix = layer == "final" ? "" : layer + ".";
                    var existing = snapshots.FirstOrDefault(x => x.Item2 == epoch);
                    var values = existing.Item3 ?? new Dictionary<string, double>(StringComparer.Ordinal);
                    if (existing.Item3 is null) snapshots.Add((fraction.Value, epoch.Value, values));
                    foreach (var (key, value) in snap)
                        if (key is not ("epoch" or "epochs" or "fraction" or "layer")) Flatten(prefix + key, value, values, top: true);
                }
        }
        return new TrialMetrics(final, snapshots, result.Spec.Epochs);
    }

    /// <summary>Builds metrics from values already in memory (tests, other sources).</summary>
    public static TrialMetrics From(IReadOnlyDictionary<string, double> final, int? epochs = null,
        IEnumerable<(double Fraction, int Epoch, IReadOnlyDictionary<string, double> Values)>? snapshots = null) =>
        new(new Dictionary<string, double>(final, StringComparer.Ordinal),
            (snapshots ?? []).Select(s => (s.Fraction, s.Epoch, new Dictionary<string, double>(s.Values, StringComparer.Ordinal))).ToList(), epochs);

    /// <summary>
    /// The value of <paramref name="metric"/> at <paramref name="at"/> (null = end of training), or null with the
    /// reason it is not measured in this trial.
    /// </summary>
    public (double? Value, string? Missing) Get(string metric, string? at)
    {
        var share = ClaimMetrics.ParsePercent(at) ?? throw new ArgumentException($"at: '{at}' is not 'final' or a share such as '30%'");
        IReadOnlyDictionary<string, double> source = _final;
        string where = "";
        if (share < 1.0)
        {
            // The export nearest the share, within half an epoch (exports are at whole epochs).
            double slack = Epochs is { } e and > 0 ? 0.5 / e + 1e-9 : 0.05;
            var snap = _snapshots.Where(s => Math.Abs(s.Fraction - share) <= slack).OrderBy(s => Math.Abs(s.Fraction - share)).FirstOrDefault();
            if (snap.Values is null)
                return (null, $"no embedding export at {share * 100:0.#} % of training (exported at: {(_snapshots.Count == 0 ? "none" : string.Join(", ", _snapshots.Select(s => $"{s.Fraction * 100:0.#} %")))})");
            source = snap.Values;
            where = $" at epoch {snap.Epoch}";
        }
        if (ClaimMetrics.TryAggregate(metric, out var aggregate, out var pattern))
        {
            var values = source.Where(kv => ClaimMetrics.Matches(pattern, kv.Key)).Select(kv => kv.Value).ToList();
            if (values.Count == 0) return (null, $"no metric matches {pattern}{where}");
            return (aggregate switch
            {
                "max_abs" => values.Max(Math.Abs),
                "max" => values.Max(),
                "min" => values.Min(),
                _ => values.Average(),
            }, null);
        }
        return source.TryGetValue(metric, out var v) ? (v, null) : (null, $"{metric} is not written{where}");
    }

    private static void Flatten(string name, JsonNode? node, Dictionary<string, double> into, bool top)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) Flatten($"{name}.{k}", v, into, false);
                break;
            case JsonArray a:
                foreach (var item in a.OfType<JsonObject>())
                {
                    if (Number(item["l"]) is { } l)
                    {
                        // A list of per-order entries: "blocks" at the top is the embedding itself (l1.x), elsewhere prefixed.
                        var prefix = (top && name == "blocks") ? $"l{(int)l}" : name.EndsWith(".blocks", StringComparison.Ordinal) ? $"{name[..^".blocks".Length]}.l{(int)l}" : $"{name}.l{(int)l}";
                        foreach (var (k, v) in item)
                            if (k != "l") Flatten($"{prefix}.{k}", v, into, false);
                    }
                    else if (Text(item["layer"]) is { } layer && Number(item["value"]) is { } value)
                    {
                        into[$"{name}.{layer}"] = value;
                    }
                }
                break;
            default:
                if (Number(node) is { } d) into[name] = d;
                break;
        }
    }

    private static double? Number(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        if (v.TryGetValue<double>(out var d)) return double.IsFinite(d) ? d : null;
        if (v.TryGetValue<long>(out var l)) return l;
        return null;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
}
