using System.Globalization;
using EquiGrid.Grains;
using EquiGrid.Grains.Studies;
using MathNet.Numerics.Distributions;

namespace EquiGrid.Analysis.Claims;

/// <summary>The verdict on a check or a claim.</summary>
public enum ClaimVerdict
{
    /// <summary>The test supports the claim at its alpha.</summary>
    Holds,
    /// <summary>The test supports the opposite at its alpha.</summary>
    DoesNotHold,
    /// <summary>Neither at this seed count (or too few seeds to test).</summary>
    Inconclusive,
    /// <summary>A number the check needs was not produced (no guess is made).</summary>
    NotMeasured,
}

/// <summary>One trial's value in a sample.</summary>
public sealed record ClaimSample(string Trial, int Seed, double Value);

/// <summary>One side of a check as evaluated: what it selected, its values, mean and sample standard deviation.</summary>
public sealed record ClaimSideResult(string Label, string Metric, string At, IReadOnlyList<ClaimSample> Samples, double? Mean, double? StdDev, string? Missing)
{
    /// <summary>Sample size.</summary>
    public int N => Samples.Count;
}

/// <summary>One check as evaluated: the test used, the estimate of the difference, the p-value(s) and the verdict.</summary>
public sealed record ClaimCheckResult(
    string Kind, string Statement, ClaimSideResult A, ClaimSideResult? B, string Test, double? Estimate, double? PValue, double Alpha,
    ClaimVerdict Verdict, string Reason);

/// <summary>A claim as evaluated: its verdict (every check holds = holds; any does not hold = does not hold) and its checks.</summary>
public sealed record ClaimResult(string Id, string Text, ClaimVerdict Verdict, IReadOnlyList<ClaimCheckResult> Checks);

/// <summary>
/// Checks a study's claims against its trials' numbers. Each check compares samples across seeds:
/// <list type="bullet">
/// <item>two sides whose trials pair up by seed (each seed once on both sides): a paired t-test on the per-seed
/// differences (the seed fixes the data split and the initialisation, so pairing removes their share of the spread);</item>
/// <item>otherwise two sides: Welch's unequal-variance t-test; one side (near_zero): a one-sample t-test;</item>
/// <item>lower / not_lower: one-sided test of the difference against -margin; near_zero / close: TOST equivalence
/// (two one-sided tests against ±tolerance, p = the larger of the two).</item>
/// </list>
/// The verdict is "holds" when the claimed direction is significant at alpha, "does not hold" when the opposite one is,
/// otherwise "inconclusive at this seed count"; fewer than two seeds on a side cannot be tested and is inconclusive.
/// A metric missing from any selected trial makes the check "not measured", naming the metric and trial.
/// Tests per check are not corrected for multiplicity (stated in the report).
/// </summary>
public static class ClaimEvaluator
{
    /// <summary>Evaluates every claim of <paramref name="definition"/>; <paramref name="metrics"/> gives a trial's numbers by trial name, null when the trial has no results.</summary>
    public static IReadOnlyList<ClaimResult> Evaluate(StudyDefinition definition, IReadOnlyList<ExpandedTrial> trials, Func<string, TrialMetrics?> metrics)
    {
        var cache = new Dictionary<string, TrialMetrics?>(StringComparer.Ordinal);
        TrialMetrics? Metrics(string name) => cache.TryGetValue(name, out var m) ? m : cache[name] = metrics(name);
        return definition.Claims.Select(c =>
        {
            var checks = c.Checks.Select(k => Check(k, trials, Metrics)).ToList();
            return new ClaimResult(c.Id, c.Text, Combine(checks.Select(k => k.Verdict)), checks);
        }).ToList();
    }

    /// <summary>A claim's verdict from its checks: any does-not-hold decides; else any not-measured; else any inconclusive; else holds.</summary>
    public static ClaimVerdict Combine(IEnumerable<ClaimVerdict> verdicts)
    {
        var list = verdicts.ToList();
        if (list.Contains(ClaimVerdict.DoesNotHold)) return ClaimVerdict.DoesNotHold;
        if (list.Contains(ClaimVerdict.NotMeasured)) return ClaimVerdict.NotMeasured;
        if (list.Contains(ClaimVerdict.Inconclusive)) return ClaimVerdict.Inconclusive;
        return ClaimVerdict.Holds;
    }

    /// <summary>Words for a verdict, as the report prints them.</summary>
    public static string Words(ClaimVerdict v) => v switch
    {
        ClaimVerdict.Holds => "holds",
        ClaimVerdict.DoesNotHold => "does not hold",
        ClaimVerdict.Inconclusive => "inconclusive at this seed count",
        _ => "not measured",
    };

    private static ClaimCheckResult Check(ClaimCheck check, IReadOnlyList<ExpandedTrial> trials, Func<string, TrialMetrics?> metrics)
    {
        var kind = StudyValidator.KindName(check.Kind);
        var a = Side(check.A, trials, metrics);
        var b = check.B is null ? null : Side(check.B, trials, metrics);
        var statement = check.Kind switch
        {
            ClaimKind.Lower => $"{a.Label} < {b!.Label}" + (check.Margin > 0 ? $" by more than {F(check.Margin)}" : ""),
            ClaimKind.NotLower => $"{a.Label} is not below {b!.Label}" + (check.Margin > 0 ? $" by more than {F(check.Margin)}" : ""),
            ClaimKind.NearZero => $"|{a.Label}| < {F(check.Tolerance)}",
            _ => $"|{a.Label} - {b!.Label}| < {F(check.Tolerance)}",
        };
        ClaimCheckResult Result(string test, double? estimate, double? p, ClaimVerdict verdict, string reason) =>
            new(kind, statement, a, b, test, estimate, p, check.Alpha, verdict, reason);

        var missing = new[] { a.Missing, b?.Missing }.OfType<string>().ToList();
        if (missing.Count > 0) return Result("none", null, null, ClaimVerdict.NotMeasured, string.Join("; ", missing));

        // The difference to test and its standard error: paired by seed, Welch, or one sample.
        string test;
        double estimate, se, df;
        var pairs = b is null ? null : Pairs(a, b);
        if (b is null)
        {
            test = "one-sample t-test";
            estimate = a.Mean!.Value;
            if (a.N < 2) return Result(test, estimate, null, ClaimVerdict.Inconclusive, $"{a.N} seed: a test needs at least 2");
            se = a.StdDev!.Value / Math.Sqrt(a.N);
            df = a.N - 1;
        }
        else if (pairs is not null)
        {
            test = $"paired t-test over {pairs.Count} seeds";
            estimate = pairs.Average();
            if (pairs.Count < 2) return Result(test, estimate, null, ClaimVerdict.Inconclusive, $"{pairs.Count} seed: a test needs at least 2");
            se = StdDev(pairs) / Math.Sqrt(pairs.Count);
            df = pairs.Count - 1;
        }
        else
        {
            test = "Welch's t-test";
            estimate = a.Mean!.Value - b.Mean!.Value;
            if (a.N < 2 || b.N < 2) return Result(test, estimate, null, ClaimVerdict.Inconclusive, $"{a.N} and {b.N} seeds: a test needs at least 2 per side");
            double va = a.StdDev!.Value * a.StdDev.Value / a.N, vb = b.StdDev!.Value * b.StdDev.Value / b.N;
            se = Math.Sqrt(va + vb);
            df = va + vb > 0 ? (va + vb) * (va + vb) / (va * va / (a.N - 1) + vb * vb / (b.N - 1)) : a.N + b.N - 2;
        }

        // One-sided p-values of "difference < threshold" and "difference > threshold".
        double Below(double threshold) => se > 0 ? StudentT.CDF(0, 1, df, (estimate - threshold) / se) : estimate < threshold ? 0 : 1;
        double Above(double threshold) => se > 0 ? 1 - StudentT.CDF(0, 1, df, (estimate - threshold) / se) : estimate > threshold ? 0 : 1;
        double alpha = check.Alpha;
        switch (check.Kind)
        {
            case ClaimKind.Lower or ClaimKind.NotLower:
            {
                double pLower = Below(-check.Margin), pNotLower = Above(-check.Margin);
                double pClaim = check.Kind == ClaimKind.Lower ? pLower : pNotLower, pOpposite = check.Kind == ClaimKind.Lower ? pNotLower : pLower;
                test += $", one-sided, alpha {F(alpha)}";
                var (verdict, p) = Decide(pClaim, pOpposite, alpha);
                return Result(test, estimate, p, verdict,
                    verdict switch
                    {
                        ClaimVerdict.Holds => $"difference {F(estimate)}: p = {P(pClaim)} < {F(alpha)}",
                        ClaimVerdict.DoesNotHold => $"difference {F(estimate)}: the opposite is significant, p = {P(pOpposite)} < {F(alpha)}",
                        _ => $"difference {F(estimate)}: p = {P(pClaim)} for the claim, {P(pOpposite)} against it",
                    });
            }
            default:
            {
                double tol = check.Tolerance;
                double pEquivalent = Math.Max(Above(-tol), Below(tol));
                double pOutside = Math.Min(Below(-tol), Above(tol));
                test += $", TOST equivalence within ±{F(tol)}, alpha {F(alpha)}";
                var (verdict, p) = Decide(pEquivalent, pOutside, alpha);
                return Result(test, estimate, p, verdict,
                    verdict switch
                    {
                        ClaimVerdict.Holds => $"{F(estimate)} is within ±{F(tol)}: p = {P(pEquivalent)} < {F(alpha)}",
                        ClaimVerdict.DoesNotHold => $"{F(estimate)} is outside ±{F(tol)}: p = {P(pOutside)} < {F(alpha)}",
                        _ => $"{F(estimate)}: p = {P(pEquivalent)} for within ±{F(tol)}, {P(pOutside)} for outside",
                    });
            }
        }
    }

    private static ClaimSideResult Side(ClaimSide side, IReadOnlyList<ExpandedTrial> trials, Func<string, TrialMetrics?> metrics)
    {
        var selected = StudyValidator.Select(side, trials);
        var label = $"{side.Metric}{(side.At is null ? "" : " at " + side.At)} [{string.Join(", ", side.Rows.Select(kv => $"{kv.Key}={kv.Value}"))}]";
        var samples = new List<ClaimSample>();
        var missing = new List<string>();
        foreach (var t in selected)
        {
            var name = t.Config.Name;
            var m = metrics(name);
            if (m is null) { missing.Add($"{name}: no results"); continue; }
            var (value, why) = m.Get(side.Metric, side.At);
            if (value is { } v) samples.Add(new ClaimSample(name, t.Config.Seed, v));
            else missing.Add($"{name}: {why}");
        }
        if (selected.Count == 0) missing.Add("no trial selected");
        double? mean = samples.Count > 0 ? samples.Average(s => s.Value) : null;
        double? sd = samples.Count > 1 ? StdDev(samples.Select(s => s.Value).ToList()) : null;
        return new ClaimSideResult(label, side.Metric, side.At ?? "final", samples, mean, sd,
            missing.Count == 0 ? null : $"not measured: {string.Join("; ", missing.Take(3))}{(missing.Count > 3 ? $" (and {missing.Count - 3} more)" : "")}");
    }

    /// <summary>Per-seed differences a - b when both sides have each seed exactly once and the same seeds; else null.</summary>
    private static List<double>? Pairs(ClaimSideResult a, ClaimSideResult b)
    {
        var sa = a.Samples.GroupBy(s => s.Seed).ToList();
        var sb = b.Samples.GroupBy(s => s.Seed).ToDictionary(g => g.Key, g => g.ToList());
        if (sa.Any(g => g.Count() != 1) || sb.Values.Any(g => g.Count != 1) || sa.Count != sb.Count || sa.Any(g => !sb.ContainsKey(g.Key))) return null;
        return sa.OrderBy(g => g.Key).Select(g => g.Single().Value - sb[g.Key][0].Value).ToList();
    }

    private static double StdDev(IReadOnlyList<double> xs)
    {
        double m = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1));
    }

    // One rule for every check kind: the claim holds when its own test is significant, does not hold when the
    // opposite's is, and is inconclusive otherwise; the p-value reported is the one the verdict rests on.
    private static (ClaimVerdict Verdict, double P) Decide(double pClaim, double pOpposite, double alpha) =>
        pClaim < alpha ? (ClaimVerdict.Holds, pClaim)
        : pOpposite < alpha ? (ClaimVerdict.DoesNotHold, pOpposite)
        : (ClaimVerdict.Inconclusive, pClaim);

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
    private static string P(double p) => p < 1e-4 ? p.ToString("0.0e0", CultureInfo.InvariantCulture) : p.ToString("0.####", CultureInfo.InvariantCulture);
}
