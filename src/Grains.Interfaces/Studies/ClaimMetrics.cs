using System.Globalization;
using System.Text.RegularExpressions;

namespace EquiGrid.Grains.Studies;

/// <summary>
/// The names claims use for a trial's numbers. A name is a dotted path into the trial's results ("test_mse_normalized",
/// "l1.structure_knn_r2", "l2.ablation.block_1"); an aggregate applies to every name a '*' pattern matches
/// ("max_abs(l1.ablation.*)" = the largest |value| over the blocks). Which names exist is decided by what the trainer
/// and the analysis write, not here (docs/analysis.md lists them), so new metrics need no change to claims.
/// </summary>
public static partial class ClaimMetrics
{
    /// <summary>Aggregates over a '*' pattern.</summary>
    public static readonly IReadOnlyList<string> Aggregates = ["max_abs", "max", "min", "mean"];

    /// <summary>What a valid name looks like, for error messages.</summary>
    public const string NameHelp = "write a dotted name such as test_mse_normalized or l1.structure_knn_r2, or an aggregate over a '*' pattern such as max_abs(l1.ablation.*)";

    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")]
    private static partial Regex PlainName();

    [GeneratedRegex(@"^(?<agg>[a-z_]+)\((?<pattern>[a-z][a-z0-9_]*(\.([a-z0-9_]+|\*))*)\)$")]
    private static partial Regex AggregateName();

    /// <summary>True when <paramref name="name"/> is a plain name or a known aggregate of a pattern (at most 128 characters).</summary>
    public static bool IsValidName(string name) => name.Length <= 128 && (PlainName().IsMatch(name) || TryAggregate(name, out _, out _));

    /// <summary>Splits "max_abs(l1.ablation.*)" into the aggregate and the pattern; false for a plain name.</summary>
    public static bool TryAggregate(string name, out string aggregate, out string pattern)
    {
        var m = AggregateName().Match(name);
        aggregate = m.Success ? m.Groups["agg"].Value : "";
        pattern = m.Success ? m.Groups["pattern"].Value : "";
        return m.Success && Aggregates.Contains(aggregate);
    }

    /// <summary>True when a plain metric name matches a pattern whose '*' stands for one dotted part.</summary>
    public static bool Matches(string pattern, string name)
    {
        var p = pattern.Split('.');
        var n = name.Split('.');
        return p.Length == n.Length && p.Zip(n).All(x => x.First == "*" || x.First == x.Second);
    }

    /// <summary>
    /// The share of training an <c>at</c> value names: "final" (or null) = 1.0, "30%" = 0.3; null when malformed.
    /// </summary>
    public static double? ParsePercent(string? at)
    {
        if (at is null || at.Equals("final", StringComparison.OrdinalIgnoreCase)) return 1.0;
        var t = at.Trim();
        if (!t.EndsWith('%')) return null;
        return double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p > 0 && p <= 100 ? p / 100 : null;
    }

    /// <summary>The epoch (1-based count of finished epochs) at a share of an <paramref name="epochs"/>-epoch run, at least 1.</summary>
    public static int EpochAt(double share, int epochs) => Math.Clamp((int)Math.Round(share * epochs, MidpointRounding.AwayFromZero), 1, epochs);
}
