using System.Globalization;
using EquiGrid.Analysis.Utilisation;

namespace EquiGrid.Analysis.Report;

/// <summary>The per-trial utilisation table of the report: every metric of every block, "n/a" where not available.</summary>
public static class UtilisationDetail
{
    /// <summary>Column headers.</summary>
    public static readonly string[] Header =
    [
        "l", "irreps", "variance share", "norm² share", "participation ratio", "effective rank",
        "k-NN R² (NSPS)", "k-NN R² invariants", "PHATE Spearman", "structure share", "ablation Δ (final)", "attribution (final)",
    ];

    /// <summary>Rows: the joint embedding first (structure columns only), then one per block.</summary>
    public static IReadOnlyList<string[]> Rows(UtilisationSummary u)
    {
        var rows = new List<string[]>
        {
            new[] { "joint", u.Irreps, "100%", "100%", "", "", F(u.JointKnnR2, "F3"), "", F(u.JointPhateSpearman, "F3"), "", "", "" },
        };
        foreach (var b in u.Blocks)
            rows.Add(new[]
            {
                b.L.ToString(CultureInfo.InvariantCulture), b.Irreps, F(b.VarianceShare, "P1"), F(b.NormShare, "P1"),
                F(b.ParticipationRatio, "F1"), F(b.EffectiveRank, "F1"), F(b.StructureKnnR2, "F3"), F(b.StructureKnnR2Invariant, "F3"),
                F(b.StructurePhateSpearman, "F3"), F(b.StructureShare, "P0"),
                F(b.Ablation?.FirstOrDefault(a => a.Layer == "final")?.Value, "G3"),
                F(b.Attribution?.FirstOrDefault(a => a.Layer == "final")?.Value, "G3"),
            });
        return rows;
    }

    private static string F(double? v, string format) =>
        v is { } d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture).Replace(" %", "%") : "n/a";
}
