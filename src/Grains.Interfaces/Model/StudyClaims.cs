namespace EquiGrid.Grains;

/// <summary>
/// A claim a study makes about its own numbers ("[0,3,4,5,6] has a lower test error than [0,1,2,3,4]"), written in
/// the study file under <c>claims:</c> and checked by the report against the study's results. A claim holds when every
/// one of its checks holds. Format and the statistics used: docs/cluster.md ("Claims").
/// </summary>
[GenerateSerializer, Immutable, Alias("equigrid.StudyClaim")]
public sealed record StudyClaim
{
    /// <summary>Short id shown in the report, e.g. "C2".</summary>
    [Id(0)] public required string Id { get; init; }
    /// <summary>The claim in words, as the study states it.</summary>
    [Id(1)] public required string Text { get; init; }
    /// <summary>The comparisons that together make the claim (all must hold).</summary>
    [Id(2)] public required IReadOnlyList<ClaimCheck> Checks { get; init; }
}

/// <summary>What a check asserts about side A (and side B).</summary>
public enum ClaimKind
{
    /// <summary>A is lower than B by more than the margin: mean(A) - mean(B) &lt; -margin.</summary>
    Lower = 0,
    /// <summary>A is not lower than B by more than the margin: mean(A) - mean(B) &gt; -margin.</summary>
    NotLower = 1,
    /// <summary>A (one side only) is within ±tolerance of zero.</summary>
    NearZero = 2,
    /// <summary>A and B differ by less than the tolerance: |mean(A) - mean(B)| &lt; tolerance.</summary>
    Close = 3,
}

/// <summary>One statistical comparison of a claim.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.ClaimCheck")]
public sealed record ClaimCheck
{
    /// <summary>What is asserted.</summary>
    [Id(0)] public required ClaimKind Kind { get; init; }
    /// <summary>The first sample (for <see cref="ClaimKind.NearZero"/> the only one).</summary>
    [Id(1)] public required ClaimSide A { get; init; }
    /// <summary>The second sample; null for <see cref="ClaimKind.NearZero"/>.</summary>
    [Id(2)] public ClaimSide? B { get; init; }
    /// <summary>Margin of <see cref="ClaimKind.Lower"/>/<see cref="ClaimKind.NotLower"/> (0 = any difference).</summary>
    [Id(3)] public double Margin { get; init; }
    /// <summary>Tolerance of <see cref="ClaimKind.NearZero"/>/<see cref="ClaimKind.Close"/> (required there, positive).</summary>
    [Id(4)] public double Tolerance { get; init; }
    /// <summary>Significance level of each one-sided test.</summary>
    [Id(5)] public double Alpha { get; init; } = 0.05;
}

/// <summary>
/// One sample of a check: a metric (by name, see docs/analysis.md "Metric names") read from every trial whose fields
/// match <see cref="Rows"/> (typically all seeds of one table row), at the end of training or at an earlier point.
/// </summary>
[GenerateSerializer, Immutable, Alias("equigrid.ClaimSide")]
public sealed record ClaimSide
{
    /// <summary>Metric name, e.g. "test_mse_normalized", "l1.structure_knn_r2", "max_abs(l1.ablation.*)".</summary>
    [Id(0)] public required string Metric { get; init; }
    /// <summary>Trial fields the trials must have (file names, canonical values: "lset" = "0,1,2"); empty = every trial.</summary>
    [Id(1)] public required IReadOnlyDictionary<string, string> Rows { get; init; }
    /// <summary>Where in training: null = the end; "30%" = the embedding export at 30 % of the epochs.</summary>
    [Id(2)] public string? At { get; init; }
}
