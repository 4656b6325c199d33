using System.Text.Json.Nodes;

namespace EquiGrid.Silo.Results;

/// <summary>
/// Makes a trial folder's metrics.jsonl hold every epoch before it leaves the node. The trainer appends to
/// metrics.jsonl from where it resumes, so an attempt resumed on another node (or in a fresh scratch folder) writes
/// only the epochs it ran, while result.json carries the whole history (restored from the checkpoint). The report
/// prefers metrics.jsonl for learning curves, so a resumed trial's curve would start mid-run without this.
/// </summary>
public static class MetricsLogCompletion
{
    /// <summary>File names inside a trial folder.</summary>
    public const string MetricsFile = "metrics.jsonl", ResultFile = "result.json";

    /// <summary>
    /// Rewrites <c>metrics.jsonl</c> in <paramref name="trialFolder"/> so that its epoch lines are exactly
    /// result.json's epochs, in order: the file's own line for an epoch when it has one (the last, if an epoch was
    /// re-run after a resume), else one built from result.json. Other lines (the test metrics) follow unchanged. A file
    /// that already matches is left as it is.
    /// </summary>
    /// <returns>Epoch lines added from result.json (0 when nothing was missing).</returns>
    public static int Complete(string trialFolder)
    {
        var resultPath = Path.Combine(trialFolder, ResultFile);
        if (!File.Exists(resultPath)) return 0;
        if (JsonNode.Parse(File.ReadAllText(resultPath))?["epochs"] is not JsonArray epochs || epochs.Count == 0) return 0;
        var metricsPath = Path.Combine(trialFolder, MetricsFile);
        var lines = File.Exists(metricsPath) ? File.ReadAllLines(metricsPath).Where(l => l.Trim().Length > 0).ToList() : [];

        var byEpoch = new Dictionary<int, string>();
        var others = new List<string>();
        var epochOrder = new List<int>();
        foreach (var line in lines)
        {
            var node = TryParse(line);
            if (node?["type"]?.GetValue<string>() == "epoch" && node["epoch"] is JsonValue v && v.TryGetValue<int>(out var e))
            {
                byEpoch[e] = line;
                epochOrder.Add(e);
            }
            else others.Add(line);
        }

        int added = 0;
        var rebuilt = new List<string>();
        foreach (var item in epochs)
        {
            if (item?["epoch"] is not JsonValue ev || !ev.TryGetValue<int>(out var e)) continue;
            if (byEpoch.TryGetValue(e, out var own)) { rebuilt.Add(own); continue; }
            var line = new JsonObject { ["type"] = "epoch" };
            foreach (var (k, value) in item.AsObject()) line[k] = value?.DeepClone();
            rebuilt.Add(line.ToJsonString());
            added++;
        }
        var expectedOrder = epochs.Select(x => (int?)x?["epoch"]?.GetValue<int>()).OfType<int>().ToList();
        if (added == 0 && epochOrder.SequenceEqual(expectedOrder)) return 0; // complete, no re-run duplicates
        rebuilt.AddRange(others);
        File.WriteAllLines(metricsPath + ".tmp", rebuilt);
        File.Move(metricsPath + ".tmp", metricsPath, overwrite: true);
        return added;
    }

    private static JsonNode? TryParse(string line)
    {
        try { return JsonNode.Parse(line); } catch (System.Text.Json.JsonException) { return null; }
    }
}
