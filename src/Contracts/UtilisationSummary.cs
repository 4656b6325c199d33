namespace EquiGrid.Contracts;

/// <summary>One number attached to an (l, layer) pair: an ablation error change or an attribution.</summary>
/// <param name="Layer">Where the l-block was zeroed / measured ("final", "block_2", ...).</param>
/// <param name="Value">The number.</param>
public sealed record LayerValue(string Layer, double Value);

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
    /// <summary>Change of the test error when the block is zeroed, per layer; null = not available.</summary>
    public IReadOnlyList<LayerValue>? Ablation { get; init; }
    /// <summary>Gradient x input attribution of the prediction to the block, per layer; null = not available.</summary>
    public IReadOnlyList<LayerValue>? Attribution { get; init; }
}

/// <summary>
/// Per-trial utilisation summary: computed by the trial runner next to the model, returned inside the
/// <see cref="TrialResult"/>, aggregated into the study table by the study grain, and written as <c>utilisation.json</c>.
/// </summary>
public sealed record UtilisationSummary
{
    /// <summary>Default k of the k-NN structure score.</summary>
    public const int DefaultKnn = 10;

    /// <summary>Trial name.</summary>
    public required string Trial { get; init; }
    /// <summary>Irreps of the whole embedding.</summary>
    public required string Irreps { get; init; }
    /// <summary>Number of molecules analysed.</summary>
    public required int Molecules { get; init; }
    /// <summary>Property the structure score predicts ("nsps"), or null when none was available.</summary>
    public string? StructureTarget { get; init; }
    /// <summary>k of the k-NN structure score.</summary>
    public int Knn { get; init; } = DefaultKnn;
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
    /// <summary>One entry per irrep order, ascending l.</summary>
    public required IReadOnlyList<BlockUtilisation> Blocks { get; init; }
}
