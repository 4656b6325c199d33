using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// The on-disk embedding export of a trial (documented in docs/analysis.md):
/// <c>embeddings.npy</c> (float32 or float64 [n, dim]) and <c>embeddings.json</c> (<see cref="EmbeddingMetadata"/>)
/// with <c>irreps</c>, <c>ids</c>, <c>smiles</c>, <c>targets_ev</c> and optionally <c>predictions_ev</c>, <c>nsps</c>,
/// <c>split</c> and <c>blocks</c> (per-irrep column ranges, checked against the irreps when present).
/// </summary>
public static class EmbeddingExport
{
    /// <summary>File name of the matrix.</summary>
    public const string MatrixFile = "embeddings.npy";
    /// <summary>File name of the metadata.</summary>
    public const string MetadataFile = EmbeddingMetadata.FileName;
    /// <summary>
    /// File name of the embedding before the final block (the input of the final block, summed per molecule): the
    /// final block's l &gt; 0 outputs get no gradient because the readout takes scalars only, so this one is the last
    /// whose every order was trained.
    /// </summary>
    public const string BeforeFinalMatrixFile = "embeddings_before_final.npy";
    /// <summary>Folder of per-epoch snapshots (<c>epochs/e{N}/</c>, each with the two matrices and snapshot.json).</summary>
    public const string SnapshotsFolder = "epochs";
    /// <summary>Metadata file of one snapshot (<see cref="EmbeddingSnapshotInfo"/>).</summary>
    public const string SnapshotFile = EmbeddingSnapshotInfo.FileName;

    /// <summary>
    /// The export's embedding before the final block, as a set sharing <paramref name="final"/>'s molecules and
    /// metadata, or null when the export does not have one (older exports).
    /// </summary>
    public static EmbeddingSet? LoadBeforeFinal(string folder, EmbeddingSet final)
    {
        var path = Path.Combine(folder, BeforeFinalMatrixFile);
        return File.Exists(path) ? final.WithMatrix(NpyFile.Read(path), path) : null;
    }

    /// <summary>
    /// The per-epoch snapshots of an export, ascending epoch: each as (epoch, fraction of training, final-block set,
    /// before-final set or null), sharing <paramref name="final"/>'s molecule metadata.
    /// </summary>
    public static IReadOnlyList<EmbeddingSnapshot> LoadSnapshots(string folder, EmbeddingSet final)
    {
        var root = Path.Combine(folder, SnapshotsFolder);
        var list = new List<EmbeddingSnapshot>();
        if (!Directory.Exists(root)) return list;
        foreach (var dir in Directory.GetDirectories(root))
        {
            var meta = Path.Combine(dir, SnapshotFile);
            if (!File.Exists(meta)) throw new InvalidDataException($"{dir}: snapshot folder without {SnapshotFile}");
            var info = ContractJson.Read<EmbeddingSnapshotInfo>(meta);
            var matrix = Path.Combine(dir, MatrixFile);
            if (!File.Exists(matrix)) throw new FileNotFoundException($"{dir}: snapshot without {MatrixFile}", matrix);
            var set = final.WithMatrix(NpyFile.Read(matrix), matrix);
            list.Add(new EmbeddingSnapshot(info.Epoch, info.Epochs, info.Fraction, set, LoadBeforeFinal(dir, final)));
        }
        return list.OrderBy(s => s.Epoch).ToList();
    }

    /// <summary>Loads an export folder; one-line errors name the file and field.</summary>
    public static EmbeddingSet Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: embedding export folder not found");
        string npy = Path.Combine(folder, MatrixFile), meta = Path.Combine(folder, MetadataFile);
        if (!File.Exists(npy)) throw new FileNotFoundException($"{folder}: missing {MatrixFile} (the embedding matrix)", npy);
        if (!File.Exists(meta)) throw new FileNotFoundException($"{folder}: missing {MetadataFile} (irreps and molecule metadata); embeddings without irrep metadata cannot be split per l", meta);
        if (string.IsNullOrWhiteSpace(File.ReadAllText(meta))) throw new InvalidDataException($"{meta}: file is empty, expected the export's metadata (irreps, ids, smiles, targets_ev)");
        var json = ContractJson.Read<EmbeddingMetadata>(meta);
        var irrepsText = json.Irreps
            ?? throw new InvalidDataException($"{meta}: no 'irreps' field (e.g. \"16x0e+16x1o+16x2e\"); embeddings without irrep metadata cannot be split per l");
        Irreps irreps;
        try { irreps = Irreps.Parse(irrepsText); }
        catch (Exception e) when (e is FormatException or ArgumentException) { throw new InvalidDataException($"{meta}: {e.Message}"); }
        if (irreps.Dim == 0) throw new InvalidDataException($"{meta}: 'irreps' is empty");
        var matrix = NpyFile.Read(npy);
        var set = new EmbeddingSet
        {
            Matrix = matrix,
            Irreps = irreps,
            Ids = json.Ids ?? throw new InvalidDataException($"{meta}: no 'ids' array"),
            Smiles = json.Smiles ?? throw new InvalidDataException($"{meta}: no 'smiles' array"),
            Targets = json.TargetsEv?.ToArray() ?? throw new InvalidDataException($"{meta}: no 'targets_ev' array"),
            Predictions = json.PredictionsEv?.ToArray(),
            Nsps = json.Nsps?.ToArray(),
            Split = json.Split?.ToArray(),
        };
        set.Validate(folder);
        CheckBlocks(json.Blocks, irreps, meta);
        return set;
    }

    /// <summary>Writes an export folder (used by tests and by anything that produces embeddings).</summary>
    public static void Save(string folder, EmbeddingSet set)
    {
        set.Validate(folder);
        Directory.CreateDirectory(folder);
        NpyFile.WriteFloat32(Path.Combine(folder, MatrixFile), set.Matrix);
        ContractJson.Write(Path.Combine(folder, MetadataFile), new EmbeddingMetadata
        {
            Irreps = set.Irreps.ToString(),
            Blocks = Enumerable.Range(0, set.Irreps.Count).Select(b => new EmbeddingBlock
            {
                Irrep = set.Irreps[b].ToString(), L = set.Irreps[b].Irrep.L, Start = set.Irreps.Slice(b).Start, Length = set.Irreps.Slice(b).Length,
            }).ToList(),
            Ids = set.Ids, Smiles = set.Smiles, TargetsEv = set.Targets, PredictionsEv = set.Predictions, Nsps = set.Nsps, Split = set.Split,
        });
    }

    private static void CheckBlocks(IReadOnlyList<EmbeddingBlock>? blocks, Irreps irreps, string file)
    {
        if (blocks is null) return;
        if (blocks.Count != irreps.Count)
            throw new InvalidDataException($"{file}: 'blocks' lists {blocks.Count} ranges but irreps '{irreps}' have {irreps.Count} blocks");
        for (int b = 0; b < blocks.Count; b++)
        {
            var (start, length) = irreps.Slice(b);
            if (blocks[b].Start != start || blocks[b].Length != length)
                throw new InvalidDataException($"{file}: 'blocks'[{b}] = [{blocks[b].Start}, +{blocks[b].Length}) does not match irreps '{irreps}' (expected [{start}, +{length}))");
        }
    }
}

/// <summary>The embeddings of one trial after <paramref name="Epoch"/> of <paramref name="Epochs"/> epochs.</summary>
/// <param name="Epoch">Epochs finished when the snapshot was taken.</param>
/// <param name="Epochs">Epochs of the whole training.</param>
/// <param name="Fraction">The fraction of training the trial asked for (export_at), when recorded.</param>
/// <param name="Final">Embedding after the final block.</param>
/// <param name="BeforeFinal">Embedding before the final block, when exported.</param>
public sealed record EmbeddingSnapshot(int Epoch, int Epochs, double? Fraction, EmbeddingSet Final, EmbeddingSet? BeforeFinal);
