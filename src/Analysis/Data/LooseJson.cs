using System.Text.Json;
using System.Text.Json.Nodes;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// Field lookup that accepts snake_case, camelCase and PascalCase spellings of the same name ("test_mae_ev",
/// "testMaeEv", "TestMaeEv"), so the analysis reads what the trainer writes whichever naming policy it uses.
/// </summary>
public static class LooseJson
{
    /// <summary>Parses a file into a JSON object with a one-line error naming the file.</summary>
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        var text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"{path}: file is empty, expected a JSON object");
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object at the top level");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON ({e.Message.Split('.')[0]})");
        }
    }

    /// <summary>The node under any spelling of <paramref name="name"/>, or null.</summary>
    public static JsonNode? Get(JsonObject obj, string name)
    {
        string key = Normalise(name);
        foreach (var (k, v) in obj) if (Normalise(k) == key) return v;
        return null;
    }

    /// <summary>A number field, or null when absent or null.</summary>
    public static double? Number(JsonObject obj, string name) => Get(obj, name) is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    /// <summary>A string field (numbers are rendered invariantly), or null.</summary>
    public static string? Text(JsonObject obj, string name) => Get(obj, name) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    /// <summary>An array of numbers; throws naming the file and field when an element is not a number.</summary>
    public static double[]? Numbers(JsonObject obj, string name, string file)
    {
        if (Get(obj, name) is not JsonArray a) return null;
        var r = new double[a.Count];
        for (int i = 0; i < a.Count; i++)
            r[i] = a[i] is JsonValue v && v.TryGetValue<double>(out var d) ? d
                : throw new InvalidDataException($"{file}: '{name}'[{i}] is not a number");
        return r;
    }

    /// <summary>An array of strings (numbers rendered as text: ids may be either).</summary>
    public static string[]? Strings(JsonObject obj, string name)
    {
        if (Get(obj, name) is not JsonArray a) return null;
        return a.Select(n => n switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            null => "",
            _ => n.ToJsonString(),
        }).ToArray();
    }

    private static string Normalise(string s) => s.Replace("_", "").Replace("-", "").ToLowerInvariant();
}
