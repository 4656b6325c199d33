namespace EquiGrid.Analysis.Utilisation;

/// <summary>Utilisation metrics of one irrep order l of a trial's embedding (one entry of <c>utilisation.json</c>).</summary>
public sealed record BlockUtilisation
{
    /// <summary>The order l.</summary>
    public required int L { get; init; }
    /// <summary>Irreps of the block, e.g. "16x3o".</summary>
    public required string Irreps { get; init; }
    /// <summary>Columns in the block (h(2l+1)).</summary>
    public required int Dim { get; init; }
    /// <summary>Share of the embedding's total variance.</summary>
    public double? VarianceShare { get; init; }
    /// <summary>Share of the embedding's mean squared norm.</summary>
    public double? NormShare { get; init; }
    /// <summary>Participation ratio of the block covariance spectrum.</summary>
    public double? ParticipationRatio { get; init; }
    /// <summary>Entropy effective rank of the block covariance spectrum.</summary>
    public double? EffectiveRank { get; init; }
    /// <summary>Structure score: LOO k-NN regression R^2 of NSPS from the standardised block.</summary>
    public double? StructureKnnR2 { get; init; }
    /// <summary>The same on the block's rotation invariants (per-channel norms).</summary>
    public double? StructureKnnR2Invariant { get; init; }
    /// <summary>Largest |Spearman| of NSPS with a direction of the block's PHATE projection.</summary>
    public double? StructurePhateSpearman { get; init; }
    /// <summary>Diffusion time PHATE chose for the block.</summary>
    public int? PhateT { get; init; }
    /// <summary>This block's share of the summed positive structure scores (k-NN R^2) over all blocks.</summary>
    public double? StructureShare { get; init; }
    /// <summary>
    /// Change of the test error when this order is zeroed after each block ("block_0" ... "final"); null = not
    /// available. The final block's entry is left out for l &gt; 0: the readout takes scalars only, so it is 0 by
    /// construction.
    /// </summary>
    public IReadOnlyList<LayerValue>? Ablation { get; init; }
    /// <summary>Gradient x input attribution of the prediction to this order after each block (same layers and the same exclusion as <see cref="Ablation"/>).</summary>
    public IReadOnlyList<LayerValue>? Attribution { get; init; }
    /// <summary>The ablation change with the largest magnitude over the blocks (signed), the number behind "zeroing l changes the test error little".</summary>
    public double? AblationMaxDelta { get; init; }
    /// <summary>The block of <see cref="AblationMaxDelta"/>.</summary>
    public string? AblationMaxLayer { get; init; }
}

/// <summary>Structure and spread of one embedding layer per order (the embedding before the final block).</summary>
public sealed record LayerUtilisation
{
    /// <summary>Which embedding: "before_final" (the input of the final block, summed per molecule).</summary>
    public required string Layer { get; init; }
    /// <summary>Structure score of the whole embedding (k-NN R^2).</summary>
    public double? JointKnnR2 { get; init; }
    /// <summary>PHATE Spearman score of the whole embedding.</summary>
    public double? JointPhateSpearman { get; init; }
    /// <summary>Diffusion time PHATE chose for the whole embedding.</summary>
    public int? JointPhateT { get; init; }
    /// <summary>One entry per irrep order, ascending l (ablation and attribution are per trial, so null here).</summary>
    public required IReadOnlyList<BlockUtilisation> Blocks { get; init; }
}

/// <summary>Per-l structure scores of an embedding exported part-way through training (trial field export_at).</summary>
public sealed record EpochStructure
{
    /// <summary>Epochs finished when the embedding was exported.</summary>
    public required int Epoch { get; init; }
    /// <summary>Epochs of the whole training.</summary>
    public required int Epochs { get; init; }
    /// <summary>The requested fraction of training (export_at), when recorded; else Epoch / Epochs.</summary>
    public required double Fraction { get; init; }
    /// <summary>"final" (after the final block) or "before_final".</summary>
    public required string Layer { get; init; }
    /// <summary>Structure score of the whole embedding (k-NN R^2).</summary>
    public double? JointKnnR2 { get; init; }
    /// <summary>One entry per order, ascending l.</summary>
    public required IReadOnlyList<EpochBlockStructure> Blocks { get; init; }
}

/// <summary>Structure scores of one order in one snapshot (same definitions as <see cref="BlockUtilisation"/>).</summary>
/// <param name="L">The order.</param>
/// <param name="StructureKnnR2">k-NN R^2 of NSPS from the standardised block.</param>
/// <param name="StructureKnnR2Invariant">The same on the block's rotation invariants.</param>
/// <param name="StructureShare">Share of the summed positive k-NN R^2 over the orders of this snapshot and layer.</param>
public sealed record EpochBlockStructure(int L, double? StructureKnnR2, double? StructureKnnR2Invariant, double? StructureShare);

/// <summary>Per-trial utilisation summary, written as <c>utilisation.json</c> and aggregated by the cluster.</summary>
public sealed record UtilisationSummary
{
    /// <summary>Trial name.</summary>
    public required string Trial { get; init; }
    /// <summary>Irreps of the whole embedding.</summary>
    public required string Irreps { get; init; }
    /// <summary>Number of molecules analysed (the molecules of <see cref="Split"/>).</summary>
    public required int Molecules { get; init; }
    /// <summary>Dataset split analysed: "test" (default, as the reference study's figures), "validation", "train" or "all".</summary>
    public string Split { get; init; } = "all";
    /// <summary>
    /// Molecules of the split left out of the NSPS-based scores because they have no NSPS (no SMILES on hand, or
    /// one that cannot be scored); the structure scores use the other Molecules - MoleculesWithoutNsps.
    /// </summary>
    public int MoleculesWithoutNsps { get; init; }
    /// <summary>The PHATE settings used for the projections (null when PHATE was skipped).</summary>
    public string? PhateSettings { get; init; }
    /// <summary>Property the structure score predicts ("nsps"), or null when none was available.</summary>
    public string? StructureTarget { get; init; }
    /// <summary>k of the k-NN structure score.</summary>
    public int Knn { get; init; } = StructureScore.DefaultK;
    /// <summary>Structure score of the whole embedding (k-NN R^2).</summary>
    public double? JointKnnR2 { get; init; }
    /// <summary>PHATE Spearman score of the whole embedding.</summary>
    public double? JointPhateSpearman { get; init; }
    /// <summary>Diffusion time PHATE chose for the whole embedding.</summary>
    public int? JointPhateT { get; init; }
    /// <summary>Metric of the ablation numbers (e.g. "test_mse_normalized"); null when ablation.json was absent.</summary>
    public string? AblationMetric { get; init; }
    /// <summary>"available" or the reason the ablation/attribution numbers are missing.</summary>
    public required string AblationStatus { get; init; }
    /// <summary>One entry per irrep order, ascending l: the embedding after the final block.</summary>
    public required IReadOnlyList<BlockUtilisation> Blocks { get; init; }
    /// <summary>
    /// The same per-order metrics for the embedding before the final block (null when the export has none). The
    /// final block's l &gt; 0 outputs get no gradient (the readout takes scalars), so "l &gt; 0 carries no structure"
    /// is only a finding if it also holds here.
    /// </summary>
    public LayerUtilisation? BeforeFinal { get; init; }
    /// <summary>Per-l structure scores of the embeddings exported part-way through training (export_at), ascending epoch; empty when none.</summary>
    public IReadOnlyList<EpochStructure> Snapshots { get; init; } = Array.Empty<EpochStructure>();
}
