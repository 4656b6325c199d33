using System.Text.Json;
using System.Text.Json.Nodes;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// The on-disk embedding export of a trial (documented in docs/analysis.md):
/// <c>embeddings.npy</c> (float32 or float64 [n, dim]) and <c>embeddings.json</c> with <c>irreps</c>,
/// <c>ids</c>, <c>smiles</c>, <c>targets_ev</c> and optionally <c>predictions_ev</c>, <c>nsps</c> and
/// <c>blocks</c> (per-irrep column ranges, checked against the irreps when present).
/// </summary>
public static class EmbeddingExport
{
    /// <summary>File name of the matrix.</summary>
    public const string MatrixFile = "embeddings.npy";
    /// <summary>File name of the metadata.</summary>
    public const string MetadataFile = "embeddings.json";

    /// <summary>Loads an export folder; one-line errors name the file and field.</summary>
    public static EmbeddingSet Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: embedding export folder not found");
        string npy = Path.Combine(folder, MatrixFile), meta = Path.Combine(folder, MetadataFile);
        if (!File.Exists(npy)) throw new FileNotFoundException($"{folder}: missing {MatrixFile} (the embedding matrix)", npy);
        if (!File.Exists(meta)) throw new FileNotFoundException($"{folder}: missing {MetadataFile} (irreps and molecule metadata); embeddings without irrep metadata cannot be split per l", meta);
        var json = LooseJson.ReadObject(meta);
        var irrepsText = LooseJson.Text(json, "irreps")
            ?? throw new InvalidDataException($"{meta}: no 'irreps' field (e.g. \"16x0e+16x1o+16x2e\"); embeddings without irrep metadata cannot be split per l");
        Irreps irreps;
        try { irreps = Irreps.Parse(irrepsText); }
        catch (Exception e) when (e is FormatException or ArgumentException) { throw new InvalidDataException($"{meta}: {e.Message}"); }
        if (irreps.Dim == 0) throw new InvalidDataException($"{meta}: 'irreps' is empty");
        var matrix = NpyFile.Read(npy);
        int n = matrix.Rows;
        var ids = LooseJson.Strings(json, "ids") ?? throw new InvalidDataException($"{meta}: no 'ids' array");
        var smiles = LooseJson.Strings(json, "smiles") ?? throw new InvalidDataException($"{meta}: no 'smiles' array");
        var targets = LooseJson.Numbers(json, "targets_ev", meta) ?? LooseJson.Numbers(json, "targets", meta)
            ?? throw new InvalidDataException($"{meta}: no 'targets_ev' array");
        var set = new EmbeddingSet
        {
            Matrix = matrix,
            Irreps = irreps,
            Ids = ids,
            Smiles = smiles,
            Targets = targets,
            Predictions = LooseJson.Numbers(json, "predictions_ev", meta) ?? LooseJson.Numbers(json, "predictions", meta),
            Nsps = LooseJson.Numbers(json, "nsps", meta),
        };
        set.Validate(folder);
        CheckBlocks(json, irreps, meta);
        return set;
    }

    /// <summary>Writes an export folder (used by tests and by anything that produces embeddings).</summary>
    public static void Save(string folder, EmbeddingSet set)
    {
        set.Validate(folder);
        Directory.CreateDirectory(folder);
        NpyFile.WriteFloat32(Path.Combine(folder, MatrixFile), set.Matrix);
        var blocks = new JsonArray();
        for (int b = 0; b < set.Irreps.Count; b++)
        {
            var (start, length) = set.Irreps.Slice(b);
            blocks.Add(new JsonObject { ["irrep"] = set.Irreps[b].ToString(), ["l"] = set.Irreps[b].Irrep.L, ["start"] = start, ["length"] = length });
        }
        var obj = new JsonObject
        {
            ["irreps"] = set.Irreps.ToString(),
            ["blocks"] = blocks,
            ["ids"] = new JsonArray(set.Ids.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
            ["smiles"] = new JsonArray(set.Smiles.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            ["targets_ev"] = new JsonArray(set.Targets.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
        };
        if (set.Predictions is { } p) obj["predictions_ev"] = new JsonArray(p.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        if (set.Nsps is { } s2) obj["nsps"] = new JsonArray(s2.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        File.WriteAllText(Path.Combine(folder, MetadataFile), obj.ToJsonString(new JsonSerializerOptions { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    private static void CheckBlocks(JsonObject json, Irreps irreps, string file)
    {
        if (LooseJson.Get(json, "blocks") is not JsonArray blocks) return;
        if (blocks.Count != irreps.Count)
            throw new InvalidDataException($"{file}: 'blocks' lists {blocks.Count} ranges but irreps '{irreps}' have {irreps.Count} blocks");
        for (int b = 0; b < blocks.Count; b++)
        {
            if (blocks[b] is not JsonObject o) throw new InvalidDataException($"{file}: 'blocks'[{b}] is not an object");
            var (start, length) = irreps.Slice(b);
            var s = LooseJson.Number(o, "start");
            var len = LooseJson.Number(o, "length");
            if (s is { } sv && (int)sv != start || len is { } lv && (int)lv != length)
                throw new InvalidDataException($"{file}: 'blocks'[{b}] = [{s}, +{len}) does not match irreps '{irreps}' (expected [{start}, +{length}))");
        }
    }
}
