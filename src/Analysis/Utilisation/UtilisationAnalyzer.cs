using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>Options of <see cref="UtilisationAnalyzer"/>.</summary>
public sealed record AnalyzeOptions
{
    /// <summary>Run PHATE on the joint embedding and every block (the costly part: ~40 s per block at 13k molecules).</summary>
    public bool RunPhate { get; init; } = true;
    /// <summary>PHATE parameters.</summary>
    public PhateOptions Phate { get; init; } = new();
    /// <summary>k of the structure score.</summary>
    public int Knn { get; init; } = StructureScore.DefaultK;
}

/// <summary>Result of analysing one trial.</summary>
/// <param name="Summary">The utilisation summary.</param>
/// <param name="Projections">PHATE coordinates keyed "joint", "l0", "l1"...; empty when PHATE was skipped.</param>
public sealed record TrialAnalysis(UtilisationSummary Summary, IReadOnlyDictionary<string, RowMatrix> Projections);

/// <summary>Computes every utilisation metric of one trial's embeddings.</summary>
public static class UtilisationAnalyzer
{
    /// <summary>Analyses an embedding set; NSPS (if the set has it) is the structure target.</summary>
    public static TrialAnalysis Analyze(string trial, EmbeddingSet set, AblationData? ablation, AnalyzeOptions? options = null, Action<string>? log = null)
    {
        options ??= new AnalyzeOptions();
        set.Validate(trial);
        var blocks = IrrepBlock.Split(set.Irreps);
        var spread = BlockStatistics.Compute(set.Matrix, blocks);
        var target = set.Nsps;
        if (target is not null && target.Any(v => !double.IsFinite(v)))
            throw new InvalidDataException($"{trial}: NSPS contains NaN for some molecules (unparseable SMILES?); fix or drop them before analysing");
        var projections = new Dictionary<string, RowMatrix>();
        PhateResult? Project(string key, RowMatrix x)
        {
            if (!options.RunPhate) return null;
            var r = PhateEmbedder.Embed(x.Standardised() is { Cols: > 0 } z ? z : x, options.Phate);
            log?.Invoke($"{key}: PHATE t = {r.T}");
            projections[key] = r.Embedding;
            return r;
        }

        double? joint = null, jointRho = null;
        int? jointT = null;
        var jp = Project("joint", set.Matrix);
        if (target is not null)
        {
            joint = AnalysisJson.Finite(StructureScore.KnnRSquared(set.Matrix, target, options.Knn));
            if (jp is not null) jointRho = AnalysisJson.Finite(StructureScore.BestAxisSpearman(jp.Embedding, target).Rho);
        }
        jointT = jp?.T;

        var rows = new List<BlockUtilisation>();
        for (int b = 0; b < blocks.Count; b++)
        {
            var blk = blocks[b];
            var x = blk.Extract(set.Matrix);
            var p = Project($"l{blk.L}", x);
            double? r2 = null, r2Inv = null, rho = null;
            if (target is not null)
            {
                r2 = AnalysisJson.Finite(StructureScore.KnnRSquared(x, target, options.Knn));
                r2Inv = AnalysisJson.Finite(StructureScore.KnnRSquared(blk.Invariants(set.Matrix), target, options.Knn));
                if (p is not null) rho = AnalysisJson.Finite(StructureScore.BestAxisSpearman(p.Embedding, target).Rho);
            }
            log?.Invoke($"l={blk.L}: variance share {spread[b].VarianceShare:P1}, structure R2 {r2?.ToString("F3") ?? "n/a"}");
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
                StructurePhateSpearman = rho,
                PhateT = p?.T,
                Ablation = ablation?.Ablation.GetValueOrDefault(blk.L),
                Attribution = ablation?.Attribution.GetValueOrDefault(blk.L),
            });
        }
        double positive = rows.Sum(r => Math.Max(0, r.StructureKnnR2 ?? 0));
        if (target is not null)
            rows = rows.Select(r => r with { StructureShare = positive > 0 ? Math.Max(0, r.StructureKnnR2 ?? 0) / positive : null }).ToList();

        var summary = new UtilisationSummary
        {
            Trial = trial,
            Irreps = set.Irreps.ToString(),
            Molecules = set.Count,
            StructureTarget = target is null ? null : "nsps",
            Knn = options.Knn,
            JointKnnR2 = joint,
            JointPhateSpearman = jointRho,
            JointPhateT = jointT,
            AblationMetric = ablation?.Metric,
            AblationStatus = ablation is null ? $"not available: no {AblationData.FileName} in the embedding export" : "available",
            Blocks = rows,
        };
        return new TrialAnalysis(summary, projections);
    }
}
