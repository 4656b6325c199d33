using System.Globalization;
using System.Text;
using EquiGrid.Analysis.Data;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>Per-l cells of a study table row.</summary>
public sealed record PerLUtilisation
{
    /// <summary>Order l.</summary>
    public required int L { get; init; }
    /// <summary>Variance share.</summary>
    public double? VarianceShare { get; init; }
    /// <summary>Norm share.</summary>
    public double? NormShare { get; init; }
    /// <summary>Effective rank.</summary>
    public double? EffectiveRank { get; init; }
    /// <summary>Structure score (k-NN R^2 of NSPS).</summary>
    public double? StructureKnnR2 { get; init; }
    /// <summary>Share of the trial's summed structure score.</summary>
    public double? StructureShare { get; init; }
    /// <summary>Structure score on the block's rotation invariants (channel norms).</summary>
    public double? StructureKnnR2Invariant { get; init; }
    /// <summary>Structure score of this order in the embedding before the final block (every order trained there).</summary>
    public double? StructureKnnR2BeforeFinal { get; init; }
    /// <summary>Share of the summed structure score before the final block.</summary>
    public double? StructureShareBeforeFinal { get; init; }
    /// <summary>The largest-magnitude test-error change over the blocks when this order is zeroed after one block (signed); null = not available.</summary>
    public double? AblationMaxDelta { get; init; }
    /// <summary>The block of <see cref="AblationMaxDelta"/> ("block_2", "final").</summary>
    public string? AblationMaxLayer { get; init; }
    /// <summary>Test-error change per block (the final block left out for l &gt; 0: zero by construction).</summary>
    public IReadOnlyList<LayerValue> Ablation { get; init; } = Array.Empty<LayerValue>();
    /// <summary>Gradient x input attribution per block (same exclusion).</summary>
    public IReadOnlyList<LayerValue> Attribution { get; init; } = Array.Empty<LayerValue>();
    /// <summary>Structure score of this order at each exported epoch (export_at), after and before the final block.</summary>
    public IReadOnlyList<EpochScore> ByEpoch { get; init; } = Array.Empty<EpochScore>();
}

/// <summary>One order's structure score in one snapshot.</summary>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="Epochs">Epochs of the whole training.</param>
/// <param name="Fraction">Fraction of training (the trial's export_at entry).</param>
/// <param name="Layer">"final" or "before_final".</param>
/// <param name="StructureKnnR2">k-NN R^2 of NSPS.</param>
/// <param name="StructureShare">Share of the summed structure score of that snapshot and layer.</param>
public sealed record EpochScore(int Epoch, int Epochs, double Fraction, string Layer, double? StructureKnnR2, double? StructureShare);

/// <summary>One trial of a study table (records and snake_case JSON: the cluster aggregates these).</summary>
public sealed record StudyTableRow
{
    /// <summary>Trial name.</summary>
    public required string Trial { get; init; }
    /// <summary>L-set, e.g. "0,1,2".</summary>
    public required string LSet { get; init; }
    /// <summary>Hidden multiplicity h.</summary>
    public int? Hidden { get; init; }
    /// <summary>Epochs.</summary>
    public int? Epochs { get; init; }
    /// <summary>Trainable parameters.</summary>
    public long? Parameters { get; init; }
    /// <summary>Test MSE (normalised labels).</summary>
    public double? TestMseNormalized { get; init; }
    /// <summary>Test MAE in eV.</summary>
    public double? TestMaeEv { get; init; }
    /// <summary>Test RMSE in eV.</summary>
    public double? TestRmseEv { get; init; }
    /// <summary>Split the utilisation numbers were computed on ("test" by default).</summary>
    public string? Split { get; init; }
    /// <summary>Molecules of that split without NSPS (no SMILES), left out of the structure scores.</summary>
    public int? MoleculesWithoutNsps { get; init; }
    /// <summary>Per-l utilisation (empty when the trial was not analysed).</summary>
    public IReadOnlyList<PerLUtilisation> PerL { get; init; } = Array.Empty<PerLUtilisation>();

    /// <summary>Builds a row from a trial's result and (optional) utilisation summary.</summary>
    public static StudyTableRow From(string trial, TrialResult? result, UtilisationSummary? utilisation) => new()
    {
        Trial = trial,
        LSet = result?.Spec.LSet ?? LSetFromIrreps(utilisation?.Irreps),
        Hidden = result?.Spec.Hidden,
        Epochs = result?.Spec.Epochs,
        Parameters = result?.Parameters,
        TestMseNormalized = result?.TestMseNormalized,
        TestMaeEv = result?.TestMaeEv,
        TestRmseEv = result?.TestRmseEv,
        Split = utilisation?.Split,
        MoleculesWithoutNsps = utilisation?.MoleculesWithoutNsps,
        PerL = utilisation?.Blocks.Select(b =>
        {
            var before = utilisation.BeforeFinal?.Blocks.FirstOrDefault(x => x.L == b.L);
            return new PerLUtilisation
            {
                L = b.L,
                VarianceShare = b.VarianceShare,
                NormShare = b.NormShare,
                EffectiveRank = b.EffectiveRank,
                StructureKnnR2 = b.StructureKnnR2,
                StructureShare = b.StructureShare,
                StructureKnnR2Invariant = b.StructureKnnR2Invariant,
                StructureKnnR2BeforeFinal = before?.StructureKnnR2,
                StructureShareBeforeFinal = before?.StructureShare,
                AblationMaxDelta = b.AblationMaxDelta,
                AblationMaxLayer = b.AblationMaxLayer,
                Ablation = b.Ablation ?? Array.Empty<LayerValue>(),
                Attribution = b.Attribution ?? Array.Empty<LayerValue>(),
                ByEpoch = utilisation.Snapshots
                    .Select(s => (s, x: s.Blocks.FirstOrDefault(x => x.L == b.L)))
                    .Where(p => p.x is not null)
                    .Select(p => new EpochScore(p.s.Epoch, p.s.Epochs, p.s.Fraction, p.s.Layer, p.x!.StructureKnnR2, p.x.StructureShare)).ToList(),
            };
        }).ToList() ?? new List<PerLUtilisation>(),
    };

    private static string LSetFromIrreps(string? irreps) => irreps is null ? "?"
        : string.Join(",", EquiGrid.Kernels.Irreps.Parse(irreps).Select(m => m.Irrep.L).Distinct().Order());
}

/// <summary>The study-level table: rows are trials; columns L, h, epochs, params, test errors, per-l utilisation.</summary>
public sealed record StudyTable(string Study, IReadOnlyList<StudyTableRow> Rows)
{
    /// <summary>Every order present in any row, ascending.</summary>
    public IReadOnlyList<int> Orders => Rows.SelectMany(r => r.PerL.Select(p => p.L)).Distinct().Order().ToList();

    /// <summary>What the per-l cells hold, printed under the table.</summary>
    public const string Legend =
        "Per-l cells: share of the embedding variance / structure score (leave-one-out 10-NN R² of NSPS) after the final block / " +
        "the same before the final block, on the analysed split; \"Δ\": the largest change of the test error when that order is " +
        "zeroed after one block (the block in brackets; the final block is not a candidate for l > 0, where the readout cannot see the order).";

    /// <summary>Header cells, shared by the Markdown and HTML renderings.</summary>
    public IReadOnlyList<string> Header =>
        new[] { "trial", "L", "h", "epochs", "params", "test MSE (norm.)", "MAE (eV)", "RMSE (eV)" }
            .Concat(Orders.Select(l => $"l={l} var / R² / R² before final"))
            .Concat(Rows.Any(r => r.PerL.Any(p => p.AblationMaxDelta is not null)) ? Orders.Select(l => $"l={l} Δ") : Array.Empty<string>()).ToList();

    /// <summary>Body cells per row, formatted.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cells => Rows.Select(r =>
        (IReadOnlyList<string>)new[]
        {
            r.Trial, $"[{r.LSet}]", Fmt(r.Hidden), Fmt(r.Epochs), r.Parameters?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a",
            Fmt(r.TestMseNormalized, "F3"), Fmt(r.TestMaeEv, "F3"), Fmt(r.TestRmseEv, "F3"),
        }.Concat(Orders.Select(l => r.PerL.FirstOrDefault(p => p.L == l) is { } p
            ? $"{Fmt(p.VarianceShare * 100, "F1")}% / {Fmt(p.StructureKnnR2, "F2")} / {Fmt(p.StructureKnnR2BeforeFinal, "F2")}" : "–"))
         .Concat(Rows.Any(x => x.PerL.Any(p => p.AblationMaxDelta is not null)) ? Orders.Select(l => r.PerL.FirstOrDefault(p => p.L == l) is { AblationMaxDelta: { } d } p
            ? $"{(d >= 0 ? "+" : "")}{d.ToString("G3", CultureInfo.InvariantCulture)} ({p.AblationMaxLayer?.Replace('_', ' ')})" : "n/a") : Array.Empty<string>()).ToList()).ToList();

    /// <summary>GitHub-flavoured Markdown table.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", Header) + " |");
        sb.AppendLine("|" + string.Concat(Header.Select(_ => "---|")));
        foreach (var row in Cells) sb.AppendLine("| " + string.Join(" | ", row) + " |");
        return sb.ToString();
    }

    private static string Fmt(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "n/a";
    private static string Fmt(double? v, string f) => v is { } d && double.IsFinite(d) ? d.ToString(f, CultureInfo.InvariantCulture) : "n/a";
}
