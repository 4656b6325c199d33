using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>Options of <see cref="UtilisationAnalyzer"/>.</summary>
public sealed record AnalyzeOptions
{
    /// <summary>Run PHATE on the joint embedding and every block (the costly part: ~40 s per block at 13k molecules).</summary>
    public bool RunPhate { get; init; } = true;
    /// <summary>PHATE parameters: the reference study's script (knn 10, seed 21516, PHATE's defaults otherwise).</summary>
    public PhateOptions Phate { get; init; } = PhateOptions.ReferenceStudy;
    /// <summary>k of the structure score.</summary>
    public int Knn { get; init; } = StructureScore.DefaultK;
    /// <summary>
    /// Split to analyse: "test" (default, as the reference study's figures), "val", "train" or "all". Null means the
    /// default, except that an export without split labels is then analysed whole (and the summary says "all").
    /// </summary>
    public string? Split { get; init; }
}

/// <summary>Result of analysing one trial.</summary>
/// <param name="Summary">The utilisation summary.</param>
/// <param name="Projections">
/// PHATE coordinates keyed "joint", "l0", "l1"... (after the final block) and "before_final_joint",
/// "before_final_l0"... (before it); rows are the molecules of <paramref name="Molecules"/>; empty when PHATE was skipped.
/// </param>
/// <param name="Molecules">The molecules analysed (the split's), final-block embedding.</param>
public sealed record TrialAnalysis(UtilisationSummary Summary, IReadOnlyDictionary<string, RowMatrix> Projections, EmbeddingSet Molecules);

/// <summary>Computes every utilisation metric of one trial's embeddings.</summary>
public static class UtilisationAnalyzer
{
    /// <summary>Key prefix of the projections of the embedding before the final block.</summary>
    public const string BeforeFinalPrefix = "before_final_";

    /// <summary>
    /// Analyses a trial: the final-block embedding <paramref name="set"/> (NSPS, if the set has it, is the structure
    /// target), optionally the embedding before the final block and per-epoch snapshots, all restricted to one split.
    /// Molecules whose NSPS is NaN (no SMILES) stay in the spread statistics and the pictures but are left out of
    /// every NSPS-based score, and are counted.
    /// </summary>
    public static TrialAnalysis Analyze(string trial, EmbeddingSet set, AblationData? ablation, AnalyzeOptions? options = null, Action<string>? log = null,
        EmbeddingSet? beforeFinal = null, IReadOnlyList<EmbeddingSnapshot>? snapshots = null)
    {
        options ??= new AnalyzeOptions();
        set.Validate(trial);
        string split = options.Split is null && set.Split is null ? AnalysisSplit.All : AnalysisSplit.Normalise(options.Split ?? AnalysisSplit.Default);
        var rows = SplitRows(set, split, trial);
        var molecules = set.SelectRows(rows);
        var target = molecules.Nsps;
        int[] scored = target is null ? Array.Empty<int>() : Enumerable.Range(0, molecules.Count).Where(i => double.IsFinite(target[i])).ToArray();
        int withoutNsps = target is null ? 0 : molecules.Count - scored.Length;
        if (target is not null && scored.Length <= options.Knn)
            throw new InvalidDataException($"{trial}: only {scored.Length} of the {molecules.Count} molecules of split '{split}' have NSPS; the structure score needs more than k = {options.Knn}");
        log?.Invoke($"split {split}: {molecules.Count} molecules" + (withoutNsps > 0 ? $", {withoutNsps} without NSPS left out of the structure scores" : ""));

        // Other layers and epochs of the same export: the same molecules, NSPS and split, another matrix.
        EmbeddingSet Same(EmbeddingSet other) => set.WithMatrix(other.Matrix, trial);
        var projections = new Dictionary<string, RowMatrix>();
        var final = AnalyzeLayer("final", "", molecules, scored, options, log, projections);
        var blocks = final.Blocks.Select(b => WithAblation(b, ablation)).ToList();

        LayerUtilisation? before = null;
        if (beforeFinal is not null)
        {
            var b = AnalyzeLayer("before_final", BeforeFinalPrefix, Same(beforeFinal).SelectRows(rows), scored, options, log, projections);
            before = new LayerUtilisation { Layer = "before_final", JointKnnR2 = b.JointKnnR2, JointPhateSpearman = b.JointPhateSpearman, JointPhateT = b.JointPhateT, Blocks = b.Blocks };
        }

        var epochs = new List<EpochStructure>();
        if (target is not null)
            foreach (var snap in snapshots ?? Array.Empty<EmbeddingSnapshot>())
            {
                double fraction = snap.Fraction ?? (double)snap.Epoch / snap.Epochs;
                epochs.Add(EpochScores(snap, "final", Same(snap.Final).SelectRows(rows), scored, fraction, options.Knn));
                if (snap.BeforeFinal is { } bf) epochs.Add(EpochScores(snap, "before_final", Same(bf).SelectRows(rows), scored, fraction, options.Knn));
                log?.Invoke($"epoch {snap.Epoch}/{snap.Epochs}: structure R2 per l " +
                            string.Join(", ", epochs[^1].Blocks.Select(x => $"l={x.L} {x.StructureKnnR2?.ToString("F3") ?? "n/a"}")));
            }

        var summary = new UtilisationSummary
        {
            Trial = trial,
            Irreps = set.Irreps.ToString(),
            Molecules = molecules.Count,
            Split = split,
            MoleculesWithoutNsps = withoutNsps,
            PhateSettings = options.RunPhate ? options.Phate.Describe() + "; input as exported (no standardisation)" : null,
            StructureTarget = target is null ? null : "nsps",
            Knn = options.Knn,
            JointKnnR2 = final.JointKnnR2,
            JointPhateSpearman = final.JointPhateSpearman,
            JointPhateT = final.JointPhateT,
            AblationMetric = ablation?.Metric,
            AblationStatus = ablation is null ? $"not available: no {AblationData.FileName} in the embedding export" : "available",
            Blocks = blocks,
            BeforeFinal = before,
            Snapshots = epochs,
        };
        return new TrialAnalysis(summary, projections, molecules);
    }

    private static int[] SplitRows(EmbeddingSet set, string split, string trial)
    {
        if (split == AnalysisSplit.All) return Enumerable.Range(0, set.Count).ToArray();
        if (set.Split is null)
            throw new InvalidDataException($"{trial}: the export has no 'split' labels, so split '{split}' cannot be analysed; re-export the trial or use --split all");
        var rows = Enumerable.Range(0, set.Count).Where(i => set.Split[i] == split).ToArray();
        return rows.Length > 0 ? rows : throw new InvalidDataException($"{trial}: no molecule of the export is labelled '{split}'; use --split all");
    }

    // The final block's l > 0 outputs cannot reach the scalar readout, so their ablation change and attribution are
    // exactly 0 by construction; they are dropped instead of being shown as a finding.
    private static BlockUtilisation WithAblation(BlockUtilisation b, AblationData? ablation)
    {
        if (ablation is null) return b;
        bool Informative(LayerValue v) => b.L == 0 || v.Layer != AblationData.FinalLayer;
        var abl = ablation.Ablation.GetValueOrDefault(b.L)?.Where(Informative).ToList();
        var att = ablation.Attribution.GetValueOrDefault(b.L)?.Where(Informative).ToList();
        var max = abl is { Count: > 0 } ? abl.MaxBy(v => Math.Abs(v.Value)) : null;
        return b with { Ablation = abl, Attribution = att, AblationMaxDelta = max?.Value, AblationMaxLayer = max?.Layer };
    }

    private sealed record LayerResult(double? JointKnnR2, double? JointPhateSpearman, int? JointPhateT, IReadOnlyList<BlockUtilisation> Blocks);

    private static LayerResult AnalyzeLayer(string layer, string prefix, EmbeddingSet molecules, int[] scored, AnalyzeOptions options, Action<string>? log,
        Dictionary<string, RowMatrix> projections)
    {
        var blocks = IrrepBlock.Split(molecules.Irreps);
        var spread = BlockStatistics.Compute(molecules.Matrix, blocks);
        var target = molecules.Nsps is null ? null : scored.Select(i => molecules.Nsps[i]).ToArray();
        // PHATE as the reference study's script runs it: on the block as exported (PHATE itself reduces wide inputs
        // by PCA). The k-NN score standardises instead, so that no high-variance channel alone sets the neighbourhoods.
        PhateResult? Project(string key, RowMatrix x)
        {
            if (!options.RunPhate) return null;
            var r = PhateEmbedder.Embed(x, options.Phate);
            log?.Invoke($"{layer} {key}: PHATE t = {r.T}");
            projections[prefix + key] = r.Embedding;
            return r;
        }
        double? Spearman(PhateResult? p) => p is null || target is null ? null
            : AnalysisJson.Finite(StructureScore.BestAxisSpearman(p.Embedding.SelectRows(scored), target).Rho);

        var jp = Project("joint", molecules.Matrix);
        double? joint = target is null ? null : AnalysisJson.Finite(StructureScore.KnnRSquared(molecules.Matrix.SelectRows(scored), target, options.Knn));
        var rows = new List<BlockUtilisation>();
        for (int b = 0; b < blocks.Count; b++)
        {
            var blk = blocks[b];
            var x = blk.Extract(molecules.Matrix);
            var p = Project($"l{blk.L}", x);
            double? r2 = null, r2Inv = null;
            if (target is not null)
            {
                r2 = AnalysisJson.Finite(StructureScore.KnnRSquared(x.SelectRows(scored), target, options.Knn));
                r2Inv = AnalysisJson.Finite(StructureScore.KnnRSquared(blk.Invariants(molecules.Matrix).SelectRows(scored), target, options.Knn));
            }
            log?.Invoke($"{layer} l={blk.L}: variance share {spread[b].VarianceShare:P1}, structure R2 {r2?.ToString("F3") ?? "n/a"}");
            rows.Add(new BlockUtilisation
            {
                L = blk.L,
                Irreps = blk.Label,
                Dim = blk.Dim,
                VarianceShare = AnalysisJson.Finite(spread[b].VarianceShare),
                NormShare = AnalysisJson.Finite(spread[b].NormShare),
                ParticipationRatio = AnalysisJson.Finite(spread[b].ParticipationRatio),
                EffectiveRank = AnalysisJson.Finite(spread[b].EffectiveRank),
                StructureKnnR2 = r2,
                StructureKnnR2Invariant = r2Inv,
                StructurePhateSpearman = Spearman(p),
                PhateT = p?.T,
            });
        }
        if (target is not null)
        {
            var shares = Shares(rows.Select(r => r.StructureKnnR2).ToList());
            rows = rows.Select((r, i) => r with { StructureShare = shares[i] }).ToList();
        }
        return new LayerResult(joint, Spearman(jp), jp?.T, rows);
    }

    private static EpochStructure EpochScores(EmbeddingSnapshot snap, string layer, EmbeddingSet molecules, int[] scored, double fraction, int k)
    {
        var target = scored.Select(i => molecules.Nsps![i]).ToArray();
        var blocks = IrrepBlock.Split(molecules.Irreps);
        var r2 = new List<double?>();
        var inv = new List<double?>();
        foreach (var blk in blocks)
        {
            r2.Add(AnalysisJson.Finite(StructureScore.KnnRSquared(blk.Extract(molecules.Matrix).SelectRows(scored), target, k)));
            inv.Add(AnalysisJson.Finite(StructureScore.KnnRSquared(blk.Invariants(molecules.Matrix).SelectRows(scored), target, k)));
        }
        var shares = Shares(r2);
        return new EpochStructure
        {
            Epoch = snap.Epoch,
            Epochs = snap.Epochs,
            Fraction = fraction,
            Layer = layer,
            JointKnnR2 = AnalysisJson.Finite(StructureScore.KnnRSquared(molecules.Matrix.SelectRows(scored), target, k)),
            Blocks = blocks.Select((b, i) => new EpochBlockStructure(b.L, r2[i], inv[i], shares[i])).ToList(),
        };
    }

    // Share of the summed positive structure scores: "l = 1, 2, 3 carry x% of the structure score".
    private static double?[] Shares(IReadOnlyList<double?> r2)
    {
        double positive = r2.Sum(v => Math.Max(0, v ?? 0));
        return r2.Select(v => positive > 0 ? Math.Max(0, v ?? 0) / positive : (double?)null).ToArray();
    }
}
