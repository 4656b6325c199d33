using System.Globalization;

namespace EquiGrid.Analysis.Report;

/// <summary>
/// The report's automatic reading: short sentences derived only from the numbers in the study table and the
/// utilisation summaries (no number appears that is not in them).
/// </summary>
public static class ReportReading
{
    /// <summary>Share of the structure score below which an order is called "largely unused".</summary>
    public const double UnusedShare = 0.10;

    /// <summary>Sentences for the whole study, from its table (each completed row's result and utilisation summary).</summary>
    public static IReadOnlyList<string> Sentences(StudyTable table)
    {
        var s = new List<string>();
        if (table.Status == StudyStatus.Running)
            s.Add($"The study was still running when its table was saved: {table.Rows.Count(r => r.Status == TrialStatus.Completed)} of {table.Rows.Count} trials completed.");
        var withMse = table.Rows.Where(r => r.Result is not null).ToList();
        if (withMse.Count > 1)
        {
            var best = withMse.MinBy(r => r.Result!.TestMseNormalized)!;
            s.Add($"Lowest test MSE (normalised): {best.Trial} (L = [{best.Spec.LSet}], {P(best.Result!.TestMseNormalized, "F3")}, MAE {P(best.Result.TestMaeEv, "F3")} eV).");
        }
        foreach (var row in table.Rows)
        {
            if (row.Result is null) { s.Add($"{row.Trial}: no result ({row.Status.ToString().ToLowerInvariant()})."); continue; }
            if (row.Result.Utilisation is not { } u) { s.Add($"{row.Trial}: not analysed (no embeddings exported)."); continue; }
            s.Add($"{row.Trial}: analysed on the {u.Split} split, {u.Molecules} molecules" +
                  (u.MoleculesWithoutNsps > 0 ? $" ({u.MoleculesWithoutNsps} without a SMILES, left out of the structure scores)." : "."));
            var blocks = u.Blocks;
            var scalar = blocks.FirstOrDefault(b => b.L == 0);
            var higher = blocks.Where(b => b.L > 0).ToList();
            if (u.StructureTarget is null)
                s.Add($"{row.Trial}: no NSPS available, so structure scores are not computed.");
            else if (higher.Count > 0)
            {
                double share = higher.Sum(b => b.StructureShare ?? 0);
                string orders = string.Join(",", higher.Select(b => b.L));
                s.Add($"{row.Trial}: l={orders} carry {Pct(share)} of the structure score" +
                      (scalar is not null ? $"; l=0 carries {Pct(scalar.StructureShare)} (k-NN R² {P(scalar.StructureKnnR2, "F2")})." : "."));
                var unused = higher.Where(b => (b.StructureShare ?? 0) < UnusedShare).Select(b => b.L).ToList();
                if (unused.Count > 0)
                    s.Add($"{row.Trial}: l={string.Join(",", unused)} {(unused.Count == 1 ? "carries" : "each carry")} less than {Pct(UnusedShare)} of the structure score (largely unused for NSPS).");
            }
            var varHigher = higher.Sum(b => b.VarianceShare ?? 0);
            if (higher.Count > 0)
                s.Add($"{row.Trial}: l>0 blocks hold {Pct(varHigher)} of the embedding variance" +
                      (scalar is not null ? $", l=0 holds {Pct(scalar.VarianceShare)}." : "."));
            if (u.StructureTarget is not null && u.BeforeFinal is { } bf && higher.Count > 0)
            {
                var bfHigher = bf.Blocks.Where(b => b.L > 0).ToList();
                var bfScalar = bf.Blocks.FirstOrDefault(b => b.L == 0);
                s.Add($"{row.Trial}: before the final block (where every order is trained), l={string.Join(",", bfHigher.Select(b => b.L))} carry " +
                      $"{Pct(bfHigher.Sum(b => b.StructureShare ?? 0))} of the structure score" +
                      (bfScalar is not null ? $"; l=0 carries {Pct(bfScalar.StructureShare)} (k-NN R² {P(bfScalar.StructureKnnR2, "F2")})." : "."));
            }
            if (u.AblationStatus != "available") s.Add($"{row.Trial}: ablation and attribution {u.AblationStatus}.");
            else
            {
                var abl = blocks.Where(b => b.AblationMaxDelta is not null).ToList();
                if (abl.Count > 0)
                {
                    // Every order's largest change over the blocks, not just the largest order: a change near zero is as
                    // informative as a rise. The final block is no candidate for l > 0 (zero by construction).
                    var parts = string.Join(", ", abl.Select(b => $"l={b.L} {(b.AblationMaxDelta >= 0 ? "+" : "")}{b.AblationMaxDelta!.Value.ToString("G3", CultureInfo.InvariantCulture)} ({b.AblationMaxLayer?.Replace('_', ' ')})"));
                    s.Add($"{row.Trial}: largest change of the test error ({u.AblationMetric}) when one order is zeroed after one block: {parts}.");
                }
            }
        }
        return s;
    }

    private static string Pct(double? v) => v is { } d && double.IsFinite(d) ? (d * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static string P(double? v, string f) => v is { } d && double.IsFinite(d) ? d.ToString(f, CultureInfo.InvariantCulture) : "n/a";
}
