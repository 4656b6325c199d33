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
    /// <summary>Test-error change when the block is zeroed after the final block; null = not available.</summary>
    public double? AblationFinal { get; init; }
}

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
    /// <summary>Per-l utilisation (empty when the trial was not analysed).</summary>
    public IReadOnlyList<PerLUtilisation> PerL { get; init; } = Array.Empty<PerLUtilisation>();

    /// <summary>Builds a row from a trial's result and (optional) utilisation summary.</summary>
    public static StudyTableRow From(string trial, TrialResultInfo? result, UtilisationSummary? utilisation) => new()
    {
        Trial = trial,
        LSet = result?.LSet ?? LSetFromIrreps(utilisation?.Irreps),
        Hidden = result?.Hidden,
        Epochs = result?.Epochs,
        Parameters = result?.Parameters,
        TestMseNormalized = result?.TestMseNormalized,
        TestMaeEv = result?.TestMaeEv,
        TestRmseEv = result?.TestRmseEv,
        PerL = utilisation?.Blocks.Select(b => new PerLUtilisation
        {
            L = b.L,
            VarianceShare = b.VarianceShare,
            NormShare = b.NormShare,
            EffectiveRank = b.EffectiveRank,
            StructureKnnR2 = b.StructureKnnR2,
            StructureShare = b.StructureShare,
            AblationFinal = b.Ablation?.FirstOrDefault(a => a.Layer == "final")?.Value,
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

    /// <summary>Header cells, shared by the Markdown and HTML renderings.</summary>
    public IReadOnlyList<string> Header =>
        new[] { "trial", "L", "h", "epochs", "params", "test MSE (norm.)", "MAE (eV)", "RMSE (eV)" }
            .Concat(Orders.Select(l => $"l={l} var / R²")).ToList();

    /// <summary>Body cells per row, formatted.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cells => Rows.Select(r =>
        (IReadOnlyList<string>)new[]
        {
            r.Trial, $"[{r.LSet}]", Fmt(r.Hidden), Fmt(r.Epochs), r.Parameters?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a",
            Fmt(r.TestMseNormalized, "F3"), Fmt(r.TestMaeEv, "F3"), Fmt(r.TestRmseEv, "F3"),
        }.Concat(Orders.Select(l => r.PerL.FirstOrDefault(p => p.L == l) is { } p
            ? $"{Fmt(p.VarianceShare * 100, "F1")}% / {Fmt(p.StructureKnnR2, "F2")}" : "–")).ToList()).ToList();

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
