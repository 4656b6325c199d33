using System.Text.Json;
using System.Text.Json.Nodes;

namespace EquiGrid.Analysis.Data;

/// <summary>Losses of one epoch (from result.json's epochs or metrics.jsonl).</summary>
public sealed record EpochPoint(int Epoch, double TrainLoss, double? ValLoss);

/// <summary>
/// The fields of a trial's <c>result.json</c> the analysis needs. It mirrors the trainer's TrialResult
/// (spec, parameters, test errors, epochs) without referencing the Training project: keys are matched in
/// snake_case, camelCase or PascalCase, and missing optional fields stay null.
/// </summary>
public sealed record TrialResultInfo
{
    /// <summary>L-set text, e.g. "0,1,2".</summary>
    public required string LSet { get; init; }
    /// <summary>Hidden multiplicity h.</summary>
    public int? Hidden { get; init; }
    /// <summary>Epochs trained.</summary>
    public int? Epochs { get; init; }
    /// <summary>Seed.</summary>
    public int? Seed { get; init; }
    /// <summary>Trainable parameters.</summary>
    public long? Parameters { get; init; }
    /// <summary>Test MSE on normalised labels.</summary>
    public double? TestMseNormalized { get; init; }
    /// <summary>Test MAE in eV.</summary>
    public double? TestMaeEv { get; init; }
    /// <summary>Test RMSE in eV.</summary>
    public double? TestRmseEv { get; init; }
    /// <summary>Per-epoch losses (may be empty).</summary>
    public IReadOnlyList<EpochPoint> Curve { get; init; } = Array.Empty<EpochPoint>();

    /// <summary>Reads result.json; one-line errors name the file and field.</summary>
    public static TrialResultInfo Load(string path)
    {
        var json = LooseJson.ReadObject(path);
        var spec = LooseJson.Get(json, "spec") as JsonObject
            ?? throw new InvalidDataException($"{path}: no 'spec' object (expected the trainer's TrialResult JSON)");
        var lset = LooseJson.Text(spec, "lset") ?? LooseJson.Text(spec, "l_set")
            ?? throw new InvalidDataException($"{path}: spec has no 'lset'");
        var curve = new List<EpochPoint>();
        if (LooseJson.Get(json, "epochs") is JsonArray arr)
            foreach (var e in arr.OfType<JsonObject>())
                if (ParseEpoch(e) is { } p) curve.Add(p);
        return new TrialResultInfo
        {
            LSet = lset,
            Hidden = (int?)LooseJson.Number(spec, "hidden"),
            Epochs = (int?)LooseJson.Number(spec, "epochs"),
            Seed = (int?)LooseJson.Number(spec, "seed"),
            Parameters = (long?)LooseJson.Number(json, "parameters"),
            TestMseNormalized = LooseJson.Number(json, "test_mse_normalized"),
            TestMaeEv = LooseJson.Number(json, "test_mae_ev"),
            TestRmseEv = LooseJson.Number(json, "test_rmse_ev"),
            Curve = curve,
        };
    }

    /// <summary>Reads metrics.jsonl: one JSON object per line; lines with an epoch and a train loss become points.</summary>
    public static IReadOnlyList<EpochPoint> LoadMetricsJsonl(string path)
    {
        var points = new SortedDictionary<int, EpochPoint>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject o;
            try { o = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{path}: line {lineNo} is not a JSON object"); }
            catch (JsonException) { throw new InvalidDataException($"{path}: line {lineNo} is not valid JSON"); }
            // Step-level lines carry no validation loss; keep the last line seen per epoch (the epoch-end one).
            if (ParseEpoch(o) is { } p && (p.ValLoss is not null || !points.ContainsKey(p.Epoch) || points[p.Epoch].ValLoss is null)) points[p.Epoch] = p;
        }
        return points.Values.ToList();
    }

    private static EpochPoint? ParseEpoch(JsonObject o)
    {
        var epoch = LooseJson.Number(o, "epoch");
        var train = LooseJson.Number(o, "train_loss");
        if (epoch is null || train is null) return null;
        return new EpochPoint((int)epoch, train.Value, LooseJson.Number(o, "val_loss"));
    }
}
