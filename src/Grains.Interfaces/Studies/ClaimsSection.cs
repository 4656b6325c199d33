using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace EquiGrid.Grains.Studies;

/// <summary>
/// Reads one entry of a study file's <c>claims:</c> list:
/// <code>
/// - id: C2
///   text: at h = 16, [0,3,4,5,6] has a lower test error than [0,1,2,3,4]
///   checks:
///     - kind: lower                  # lower | not_lower | near_zero | close
///       metric: test_mse_normalized  # for both sides unless a side names its own
///       a: { lset: "0,3,4,5,6", hidden: 16, epochs: 30 }   # trial fields; plus optional metric: and at: ("30%")
///       b: { lset: "0,1,2,3,4", hidden: 16, epochs: 30 }
///       margin: 0                    # lower/not_lower; tolerance: for near_zero/close; alpha: 0.05
/// </code>
/// Problems are reported through the file's error collector with line and column; the result is then checked
/// against the expanded trials by <see cref="StudyValidator"/>.
/// </summary>
internal static class ClaimsSection
{
    private static readonly HashSet<string> ClaimKeys = ["id", "text", "checks"];
    private static readonly HashSet<string> CheckKeys = ["kind", "metric", "at", "a", "b", "margin", "tolerance", "alpha"];
    private static readonly Dictionary<string, ClaimKind> Kinds = new()
    {
        ["lower"] = ClaimKind.Lower, ["not_lower"] = ClaimKind.NotLower, ["near_zero"] = ClaimKind.NearZero, ["close"] = ClaimKind.Close,
    };

    public static StudyClaim? Read(YamlNode node, int index, Action<YamlNode?, string, string> error)
    {
        var label = $"claims[{index + 1}]";
        if (node is not YamlMappingNode map) { error(node, label, "expected a mapping with id, text and checks"); return null; }
        string? id = null, text = null;
        var checks = new List<ClaimCheck>();
        bool ok = true;
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (!ClaimKeys.Contains(key)) { error(k, $"{label}.{key}", $"unknown key; expected {string.Join(", ", ClaimKeys)}"); ok = false; continue; }
            switch (key)
            {
                case "id": id = StudyFile.Scalar(v, $"{label}.id", error); break;
                case "text": text = StudyFile.Scalar(v, $"{label}.text", error); break;
                case "checks":
                    if (v is not YamlSequenceNode list || list.Children.Count == 0) { error(v, $"{label}.checks", "expected a non-empty list of checks"); ok = false; break; }
                    for (int i = 0; i < list.Children.Count; i++)
                    {
                        var c = ReadCheck(list.Children[i], $"{label}.checks[{i + 1}]", error);
                        if (c is null) ok = false; else checks.Add(c);
                    }
                    break;
            }
        }
        if (id is null) { error(map, $"{label}.id", "missing: give the claim a short id such as C1"); return null; }
        if (text is null) { error(map, $"{label}.text", "missing: state the claim in words"); return null; }
        if (checks.Count == 0 && ok) { error(map, $"{label}.checks", "missing: give at least one check"); return null; }
        return ok ? new StudyClaim { Id = id, Text = text, Checks = checks } : null;
    }

    private static ClaimCheck? ReadCheck(YamlNode node, string label, Action<YamlNode?, string, string> error)
    {
        if (node is not YamlMappingNode map) { error(node, label, "expected a mapping with kind, metric, a (and b)"); return null; }
        ClaimKind? kind = null;
        string? metric = null, at = null;
        YamlNode? aNode = null, bNode = null;
        double margin = 0, tolerance = 0, alpha = 0.05;
        bool ok = true;
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (!CheckKeys.Contains(key)) { error(k, $"{label}.{key}", $"unknown key; expected {string.Join(", ", CheckKeys)}"); ok = false; continue; }
            switch (key)
            {
                case "kind":
                    var kt = StudyFile.Scalar(v, $"{label}.kind", error);
                    if (kt is not null && Kinds.TryGetValue(kt, out var kk)) kind = kk;
                    else { error(v, $"{label}.kind", $"'{kt}' is not a kind; use {string.Join(", ", Kinds.Keys)}"); ok = false; }
                    break;
                case "metric": metric = StudyFile.Scalar(v, $"{label}.metric", error); break;
                case "at": at = StudyFile.Scalar(v, $"{label}.at", error); break;
                case "a": aNode = v; break;
                case "b": bNode = v; break;
                case "margin": ok &= Number(v, $"{label}.margin", error, out margin); break;
                case "tolerance": ok &= Number(v, $"{label}.tolerance", error, out tolerance); break;
                case "alpha": ok &= Number(v, $"{label}.alpha", error, out alpha); break;
            }
        }
        if (kind is null) { if (ok) error(map, $"{label}.kind", $"missing: give kind ({string.Join(", ", Kinds.Keys)})"); return null; }
        if (aNode is null) { error(map, $"{label}.a", "missing: give the trials of side a, e.g. a: { lset: \"0,1,2\" }"); return null; }
        var a = ReadSide(aNode, $"{label}.a", metric, at, error);
        var b = bNode is null ? null : ReadSide(bNode, $"{label}.b", metric, at, error);
        if (a is null || (bNode is not null && b is null) || !ok) return null;
        return new ClaimCheck { Kind = kind.Value, A = a, B = b, Margin = margin, Tolerance = tolerance, Alpha = alpha };
    }

    private static ClaimSide? ReadSide(YamlNode node, string label, string? metric, string? at, Action<YamlNode?, string, string> error)
    {
        if (node is not YamlMappingNode map) { error(node, label, "expected a mapping of trial fields (plus optional metric: and at:)"); return null; }
        var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var probe = new TrialConfig { LSet = "0", Hidden = 1 };
        bool ok = true;
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (key == "metric") { metric = StudyFile.Scalar(v, $"{label}.metric", error); continue; }
            if (key == "at") { at = StudyFile.Scalar(v, $"{label}.at", error); continue; }
            var text = StudyFile.ValueText(v, $"{label}.{key}", error);
            if (text is null) { ok = false; continue; }
            if (key.StartsWith(StudyExpansion.ExtraPrefix, StringComparison.Ordinal)) { rows[key] = text; continue; }
            var field = TrialFields.Canonical(key);
            if (field is null || field != key || field == "data_path") { error(k, $"{label}.{key}", $"not a trial field to select by; use {string.Join(", ", TrialFields.Names.Where(n => n != "data_path"))}, extra.<name>, metric or at"); ok = false; continue; }
            try
            {
                // The canonical text ("0,1,2" for [0, 1, 2]) is what the trials are matched against.
                rows[field] = StudyValidator.FieldText(TrialFields.Apply(probe, field, text), field)!;
            }
            catch (FormatException e) { error(v, $"{label}.{key}", e.Message); ok = false; }
        }
        if (metric is null) { error(map, $"{label}.metric", "missing: give metric: for the check or for this side"); return null; }
        if (!ClaimMetrics.IsValidName(metric)) { error(map, $"{label}.metric", $"'{metric}' is not a metric name; {ClaimMetrics.NameHelp}"); return null; }
        if (at is not null && ClaimMetrics.ParsePercent(at) is null) { error(map, $"{label}.at", $"'{at}' must be 'final' or a share of training such as '30%'"); return null; }
        return ok ? new ClaimSide { Metric = metric, Rows = rows, At = at } : null;
    }

    private static bool Number(YamlNode node, string label, Action<YamlNode?, string, string> error, out double value)
    {
        value = 0;
        var text = StudyFile.Scalar(node, label, error);
        if (text is null) return false;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value)) return true;
        error(node, label, $"'{text}' is not a number");
        return false;
    }
}
