using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Utilisation;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// The on-disk layout of one trial (docs/analysis.md):
/// <code>
/// TRIAL/result.json          trainer's TrialResult
/// TRIAL/metrics.jsonl        optional per-step/epoch metrics
/// TRIAL/embeddings/          embedding export (embeddings.npy, embeddings.json, optional ablation.json)
/// TRIAL/utilisation.json     written by `equigrid analyze`
/// TRIAL/analysis/phate_*.csv PHATE coordinates per block (joint, l0, l1, ...), written by `equigrid analyze`
/// </code>
/// </summary>
public sealed class TrialDirectory
{
    /// <summary>Result file name.</summary>
    public const string ResultFile = "result.json";
    /// <summary>Metrics file name.</summary>
    public const string MetricsFile = "metrics.jsonl";
    /// <summary>Embedding export folder name.</summary>
    public const string EmbeddingsFolder = "embeddings";
    /// <summary>Utilisation summary file name.</summary>
    public const string UtilisationFile = "utilisation.json";
    /// <summary>Folder with PHATE coordinates.</summary>
    public const string AnalysisFolder = "analysis";
    /// <summary>NSPS values used by the last analysis (inside <see cref="AnalysisFolder"/>).</summary>
    public const string NspsFile = "nsps.tsv";

    /// <summary>Opens a trial folder (nothing is read yet).</summary>
    public TrialDirectory(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: trial folder not found");
        Path_ = System.IO.Path.GetFullPath(path);
    }

    private string Path_ { get; }

    /// <summary>Full path.</summary>
    public string FullPath => Path_;

    /// <summary>Trial name: the folder name.</summary>
    public string Name => System.IO.Path.GetFileName(Path_.TrimEnd('/'));

    /// <summary>True when the folder looks like a trial (has result.json or an embedding export).</summary>
    public static bool IsTrial(string path) =>
        File.Exists(System.IO.Path.Combine(path, ResultFile)) || Directory.Exists(System.IO.Path.Combine(path, EmbeddingsFolder));

    /// <summary>Path of a file in the trial.</summary>
    public string File_(string name) => System.IO.Path.Combine(Path_, name);

    /// <summary>The embedding export folder.</summary>
    public string EmbeddingsPath => File_(EmbeddingsFolder);

    /// <summary>result.json (the trainer's <see cref="TrialResult"/>, in the contracts' JSON), or null when absent.</summary>
    public TrialResult? LoadResult() => File.Exists(File_(ResultFile)) ? ContractJson.Read<TrialResult>(File_(ResultFile)) : null;

    /// <summary>Learning curve: the epoch lines of metrics.jsonl when present, else result.json's epochs.</summary>
    public IReadOnlyList<EpochMetrics> LoadCurve(TrialResult? result)
    {
        if (File.Exists(File_(MetricsFile)))
        {
            var epochs = LoadMetrics(File_(MetricsFile));
            if (epochs.Count > 0) return epochs;
        }
        return result?.Epochs ?? [];
    }

    /// <summary>
    /// The epoch lines (<c>"type":"epoch"</c>) of a trainer's metrics.jsonl, by epoch (the last line of an epoch wins);
    /// other lines (the test line) are skipped. A line that is not JSON is an error naming the file and line.
    /// </summary>
    public static IReadOnlyList<EpochMetrics> LoadMetrics(string path)
    {
        var epochs = new SortedDictionary<int, EpochMetrics>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var kind = ContractJson.Deserialize<MetricsLine>(line, $"{path}: line {lineNo}");
            if (kind.Type != "epoch") continue;
            var epoch = ContractJson.Deserialize<EpochMetrics>(line, $"{path}: line {lineNo}");
            epochs[epoch.Epoch] = epoch;
        }
        return epochs.Values.ToList();
    }

    private sealed record MetricsLine(string? Type);

    /// <summary>The embedding export (throws with the reason when it is missing or malformed).</summary>
    public EmbeddingSet LoadEmbeddings() => EmbeddingExport.Load(EmbeddingsPath);

    /// <summary>ablation.json from the export folder, or null.</summary>
    public AblationData? LoadAblation() => AblationData.TryLoad(System.IO.Path.Combine(EmbeddingsPath, AblationData.FileName));

    /// <summary>utilisation.json, or null when the trial was not analysed yet.</summary>
    public UtilisationSummary? LoadUtilisation() =>
        File.Exists(File_(UtilisationFile)) ? ContractJson.Read<UtilisationSummary>(File_(UtilisationFile)) : null;

    /// <summary>Writes utilisation.json, the PHATE coordinates and the NSPS values used (analysis/nsps.tsv, id&lt;TAB&gt;NSPS).</summary>
    public void SaveAnalysis(TrialAnalysis analysis, EmbeddingSet set)
    {
        // The summary's one JSON form, the one it has inside the result and the study table.
        ContractJson.Write(File_(UtilisationFile), analysis.Summary, indented: true);
        var dir = File_(AnalysisFolder);
        Directory.CreateDirectory(dir);
        // Projections of an earlier analysis (another split, or layers this one lacks) must not be read back with it.
        foreach (var old in Directory.GetFiles(dir, "phate_*.csv")) File.Delete(old);
        if (set.Nsps is { } nsps)
            File.WriteAllLines(System.IO.Path.Combine(dir, NspsFile), Enumerable.Range(0, set.Count)
                .Select(i => $"{set.Ids[i]}\t{nsps[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
        foreach (var (key, coords) in analysis.Projections)
            CsvMatrix.Write(System.IO.Path.Combine(dir, $"phate_{key}.csv"), coords, new[] { "x", "y" });
    }

    /// <summary>
    /// The embedding export with NSPS attached when the export itself has none: from analysis/nsps.tsv (a previous
    /// analysis), else, when <paramref name="computeFromSmiles"/>, computed from the SMILES.
    /// </summary>
    public EmbeddingSet LoadEmbeddingsWithNsps(bool computeFromSmiles = true, Action<string>? log = null) =>
        AttachNsps(LoadEmbeddings(), computeFromSmiles, log);

    /// <summary>
    /// NSPS for a set that has none: analysis/nsps.tsv (a previous analysis), else, when
    /// <paramref name="computeFromSmiles"/>, computed from the SMILES (NaN for a molecule without one).
    /// </summary>
    public EmbeddingSet AttachNsps(EmbeddingSet set, bool computeFromSmiles = true, Action<string>? log = null)
    {
        var table = System.IO.Path.Combine(File_(AnalysisFolder), NspsFile);
        if (set.Nsps is null && File.Exists(table)) set = set.WithNsps(NspsTable.Join(set, NspsTable.Read(table), table));
        if (set.Nsps is null && computeFromSmiles) set = set.WithNsps(NspsFromSmiles.Compute(set, EmbeddingsPath, log));
        return set;
    }

    /// <summary>
    /// Analyses the trial's export: the final-block embedding <paramref name="set"/> (with NSPS attached), the
    /// embedding before the final block and the per-epoch snapshots when exported, and ablation.json; writes
    /// utilisation.json and the projections.
    /// </summary>
    public TrialAnalysis Analyze(EmbeddingSet set, AnalyzeOptions? options = null, Action<string>? log = null)
    {
        var analysis = UtilisationAnalyzer.Analyze(Name, set, LoadAblation(), options, log,
            EmbeddingExport.LoadBeforeFinal(EmbeddingsPath, set), EmbeddingExport.LoadSnapshots(EmbeddingsPath, set));
        SaveAnalysis(analysis, set);
        return analysis;
    }

    /// <summary>The molecules a saved analysis covered (its split), for drawing its projections.</summary>
    public static EmbeddingSet AnalysedMolecules(EmbeddingSet set, UtilisationSummary summary)
    {
        if (summary.Split == AnalysisSplit.All || set.Split is null) return set;
        return set.SelectRows(Enumerable.Range(0, set.Count).Where(i => set.Split[i] == summary.Split).ToArray());
    }

    /// <summary>PHATE coordinates keyed "joint", "l0", ... (empty when none were written).</summary>
    public IReadOnlyDictionary<string, RowMatrix> LoadProjections()
    {
        var dir = File_(AnalysisFolder);
        var r = new SortedDictionary<string, RowMatrix>(StringComparer.Ordinal);
        if (!Directory.Exists(dir)) return r;
        foreach (var f in Directory.GetFiles(dir, "phate_*.csv").Order(StringComparer.Ordinal))
            r[System.IO.Path.GetFileNameWithoutExtension(f)["phate_".Length..]] = CsvMatrix.Read(f);
        return r;
    }
}
