using System.Globalization;
using EquiGrid.Analysis.Utilisation;

namespace EquiGrid.Analysis.Report;

/// <summary>One table of the report's per-trial detail.</summary>
/// <param name="Title">Caption above the table.</param>
/// <param name="Header">Column headers.</param>
/// <param name="Rows">Formatted cells, "n/a" where a number is not available.</param>
public sealed record DetailTable(string Title, IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows);

/// <summary>
/// The per-trial utilisation tables of the report: every metric of every order for the embedding after and before the
/// final block, the per-block ablation and attribution, and the per-epoch structure scores.
/// </summary>
public static class UtilisationDetail
{
    /// <summary>Column headers of the per-order metric tables.</summary>
    public static readonly string[] Header =
    [
        "l", "irreps", "variance share", "norm² share", "participation ratio", "effective rank",
        "k-NN R² (NSPS)", "k-NN R² invariants", "PHATE Spearman", "PHATE t", "structure share",
    ];

    /// <summary>Every table of one trial, in report order.</summary>
    public static IReadOnlyList<DetailTable> Tables(UtilisationSummary u)
    {
        var tables = new List<DetailTable> { new("Embedding after the final block (the readout's input)", Header, Rows(u.Irreps, u.JointKnnR2, u.JointPhateSpearman, u.JointPhateT, u.Blocks)) };
        if (u.BeforeFinal is { } bf)
            tables.Add(new("Embedding before the final block (every order trained: the final block's l > 0 outputs get no gradient)", Header,
                Rows(u.Irreps, bf.JointKnnR2, bf.JointPhateSpearman, bf.JointPhateT, bf.Blocks)));
        if (Ablation(u) is { } abl) tables.Add(abl);
        if (u.Snapshots.Count > 0)
        {
            var orders = u.Snapshots.SelectMany(s => s.Blocks.Select(b => b.L)).Distinct().Order().ToList();
            tables.Add(new("Structure score (k-NN R² of NSPS) per order at the exported epochs",
                new[] { "epoch", "fraction of training", "layer", "joint" }.Concat(orders.Select(l => $"l={l}")).ToList(),
                u.Snapshots.Select(s => new[]
                {
                    $"{s.Epoch}/{s.Epochs}", F(s.Fraction, "P0"), s.Layer.Replace('_', ' '), F(s.JointKnnR2, "F3"),
                }.Concat(orders.Select(l => F(s.Blocks.FirstOrDefault(b => b.L == l)?.StructureKnnR2, "F3"))).ToArray()).ToList()));
        }
        return tables;
    }

    /// <summary>
    /// Rows of a per-order table: the joint embedding first (structure columns only), then one per order.
    /// </summary>
    public static IReadOnlyList<string[]> Rows(string irreps, double? jointR2, double? jointRho, int? jointT, IReadOnlyList<BlockUtilisation> blocks)
    {
        var rows = new List<string[]>
        {
            new[] { "joint", irreps, "100%", "100%", "", "", F(jointR2, "F3"), "", F(jointRho, "F3"), jointT?.ToString(CultureInfo.InvariantCulture) ?? "", "" },
        };
        foreach (var b in blocks)
            rows.Add(new[]
            {
                b.L.ToString(CultureInfo.InvariantCulture), b.Irreps, F(b.VarianceShare, "P1"), F(b.NormShare, "P1"),
                F(b.ParticipationRatio, "F1"), F(b.EffectiveRank, "F1"), F(b.StructureKnnR2, "F3"), F(b.StructureKnnR2Invariant, "F3"),
                F(b.StructurePhateSpearman, "F3"), b.PhateT?.ToString(CultureInfo.InvariantCulture) ?? "n/a", F(b.StructureShare, "P0"),
            });
        return rows;
    }

    /// <summary>
    /// Per-block ablation (change of the test error when the order is zeroed after that block) and attribution, one
    /// row per order and one column per block; "0 (structural)" where the readout cannot see the order at all (l &gt; 0
    /// after the final block), so that no reader takes that 0 for a finding. Null when ablation.json was absent.
    /// </summary>
    public static DetailTable? Ablation(UtilisationSummary u)
    {
        if (u.AblationStatus != "available") return null;
        var layers = u.Blocks.SelectMany(b => (b.Ablation ?? []).Concat(b.Attribution ?? [])).Select(v => v.Layer).Distinct()
            .OrderBy(LayerOrder).ToList();
        if (layers.Count == 0) return null;
        var header = new List<string> { "l" };
        header.AddRange(layers.Select(l => $"Δ {l.Replace('_', ' ')}"));
        header.Add("largest |Δ|");
        header.AddRange(layers.Select(l => $"attribution {l.Replace('_', ' ')}"));
        var rows = u.Blocks.Select(b =>
        {
            string Cell(IReadOnlyList<LayerValue>? list, string layer) =>
                list?.FirstOrDefault(v => v.Layer == layer) is { } v ? F(v.Value, "G3")
                : b.L > 0 && layer == AblationData.FinalLayer ? "0 (structural)" : "n/a";
            var r = new List<string> { b.L.ToString(CultureInfo.InvariantCulture) };
            r.AddRange(layers.Select(l => Cell(b.Ablation, l)));
            r.Add(b.AblationMaxDelta is { } m ? $"{F(m, "G3")} ({b.AblationMaxLayer?.Replace('_', ' ')})" : "n/a");
            r.AddRange(layers.Select(l => Cell(b.Attribution, l)));
            return r.ToArray();
        }).ToList();
        return new DetailTable($"Change of the test error ({u.AblationMetric}) when one order is zeroed after each block, and gradient × input attribution per block (test split)", header, rows);
    }

    // block_0, block_1, ..., final.
    private static int LayerOrder(string layer) =>
        layer == AblationData.FinalLayer ? int.MaxValue
        : layer.StartsWith("block_", StringComparison.Ordinal) && int.TryParse(layer.AsSpan(6), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) ? b
        : int.MaxValue - 1;

    /// <summary>The note under a trial's tables: what was analysed and how.</summary>
    public static string Note(UtilisationSummary u) =>
        $"{u.Molecules} molecules of the {u.Split} split" +
        (u.MoleculesWithoutNsps > 0 ? $" ({u.MoleculesWithoutNsps} without NSPS, i.e. without a SMILES on hand, left out of the structure scores)" : "") +
        $". Structure score: leave-one-out {u.Knn}-NN regression R² of NSPS on the block's standardised columns (so that no single high-variance channel sets the neighbourhoods). " +
        (u.PhateSettings is { } p ? $"PHATE: {p}. " : "PHATE not run. ") +
        $"Ablation/attribution: {u.AblationStatus}.";

    private static string F(double? v, string format) =>
        v is { } d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture).Replace(" %", "%") : "n/a";
}
