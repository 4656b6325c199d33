using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Contracts;

/// <summary>
/// <c>embeddings.json</c> of a trial's embedding export (beside <c>embeddings.npy</c>): written by the trainer's
/// exporter, read by the analysis. The arrays have one entry per molecule, in the matrix's row order. Fields are
/// optional here so that the reader can name the one that is missing (docs/analysis.md lists the required ones).
/// </summary>
public sealed record EmbeddingMetadata
{
    /// <summary>File name inside the export folder.</summary>
    public const string FileName = "embeddings.json";

    /// <summary>Irreps of the matrix's columns, e.g. "16x0e+16x1o+16x2e" (required).</summary>
    public string? Irreps { get; init; }
    /// <summary>The column range of each irrep block (checked against <see cref="Irreps"/> when present).</summary>
    public IReadOnlyList<EmbeddingBlock>? Blocks { get; init; }
    /// <summary>Molecule ids (required; GDB ids as text, a number is read as its text too).</summary>
    [JsonConverter(typeof(IdListJsonConverter))]
    public IReadOnlyList<string>? Ids { get; init; }
    /// <summary>SMILES per molecule, "" where unknown (required).</summary>
    public IReadOnlyList<string>? Smiles { get; init; }
    /// <summary>Target (U0 atomisation energy) per molecule in eV (required).</summary>
    public IReadOnlyList<double>? TargetsEv { get; init; }
    /// <summary>The model's prediction per molecule in eV.</summary>
    public IReadOnlyList<double>? PredictionsEv { get; init; }
    /// <summary>NSPS per molecule, when the exporter had it (NaN for a molecule without one).</summary>
    public IReadOnlyList<double>? Nsps { get; init; }
    /// <summary>The dataset split of each molecule: "train", "validation" or "test".</summary>
    public IReadOnlyList<string>? Split { get; init; }
}

/// <summary>One irrep block of the embedding matrix: which columns hold it.</summary>
public sealed record EmbeddingBlock
{
    /// <summary>The block's irreps, e.g. "16x1o".</summary>
    public string? Irrep { get; init; }
    /// <summary>Its order l.</summary>
    public int L { get; init; }
    /// <summary>Its parity (+1 even, -1 odd), when written.</summary>
    public int? Parity { get; init; }
    /// <summary>Its multiplicity, when written.</summary>
    public int? Mul { get; init; }
    /// <summary>First column.</summary>
    public int Start { get; init; }
    /// <summary>Number of columns.</summary>
    public int Length { get; init; }
}

/// <summary><c>snapshot.json</c> of one per-epoch export (<c>embeddings/epochs/e{N}/</c>, trial field export_at).</summary>
public sealed record EmbeddingSnapshotInfo
{
    /// <summary>File name inside the snapshot folder.</summary>
    public const string FileName = "snapshot.json";

    /// <summary>Epochs finished when the model was kept.</summary>
    public required int Epoch { get; init; }
    /// <summary>Epochs of the whole training.</summary>
    public required int Epochs { get; init; }
    /// <summary>The fraction of training the trial asked for (its export_at entry), when recorded.</summary>
    public double? Fraction { get; init; }
}

/// <summary>
/// <c>ablation.json</c> beside a trial's embeddings: the test error with each order zeroed after each block, and the
/// gradient x input attribution per block and order. Written by the trainer's exporter (it needs the model), read by
/// the analysis.
/// </summary>
public sealed record AblationFile
{
    /// <summary>File name inside the export folder.</summary>
    public const string FileName = "ablation.json";
    /// <summary>Layer name of the final block (the others are "block_0", "block_1", ...).</summary>
    public const string FinalLayer = "final";

    /// <summary>The error metric, e.g. "test_mse_normalized".</summary>
    public string? Metric { get; init; }
    /// <summary>The metric with nothing zeroed.</summary>
    public double? Baseline { get; init; }
    /// <summary>One entry per (block, order).</summary>
    public IReadOnlyList<AblationEntry> Ablation { get; init; } = [];
    /// <summary>One entry per (block, order).</summary>
    public IReadOnlyList<AttributionEntry> Attribution { get; init; } = [];
}

/// <summary>The error with order <see cref="L"/> zeroed after block <see cref="Layer"/>.</summary>
public sealed record AblationEntry
{
    /// <summary>"block_0", ..., or "final" (the default).</summary>
    public string Layer { get; init; } = AblationFile.FinalLayer;
    /// <summary>The order zeroed.</summary>
    public required int L { get; init; }
    /// <summary>The metric with the order zeroed.</summary>
    public double? Error { get; init; }
    /// <summary>Its change from <see cref="AblationFile.Baseline"/> (when absent: <see cref="Error"/> minus the baseline).</summary>
    public double? Delta { get; init; }
}

/// <summary>Gradient x input attribution of the prediction to order <see cref="L"/> after block <see cref="Layer"/>.</summary>
public sealed record AttributionEntry
{
    /// <summary>"block_0", ..., or "final" (the default).</summary>
    public string Layer { get; init; } = AblationFile.FinalLayer;
    /// <summary>The order.</summary>
    public required int L { get; init; }
    /// <summary>Mean |gradient x input| per atom, summed over the block's columns.</summary>
    public required double Value { get; init; }
}

/// <summary>Reads a list of ids written as strings or as numbers (exports before ids were text had numbers); writes strings.</summary>
public sealed class IdListJsonConverter : JsonConverter<IReadOnlyList<string>>
{
    /// <inheritdoc />
    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of ids");
        var ids = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            ids.Add(reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => reader.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString("R", CultureInfo.InvariantCulture),
                _ => throw new JsonException($"an id must be a string or a number, not {reader.TokenType}"),
            });
        return ids;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var id in value) writer.WriteStringValue(id);
        writer.WriteEndArray();
    }
}
