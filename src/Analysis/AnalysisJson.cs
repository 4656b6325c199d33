using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Analysis;

/// <summary>JSON settings of every file the analysis writes: snake_case, indented, nulls for unavailable numbers.</summary>
public static class AnalysisJson
{
    /// <summary>The shared serializer options.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        PropertyNameCaseInsensitive = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>NaN and infinities become null (JSON has no NaN; "not available" is null, never an invented number).</summary>
    public static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Writes a value to a file.</summary>
    public static void Write<T>(string path, T value) => File.WriteAllText(path, JsonSerializer.Serialize(value, Options));

    /// <summary>Reads a value from a file with a one-line error naming it.</summary>
    public static T Read<T>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        var text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"{path}: file is empty");
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? throw new InvalidDataException($"{path}: null document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid {typeof(T).Name} ({e.Message.Split('.')[0]})");
        }
    }
}
