using System.Text.Json;
using System.Text.Json.Serialization;

namespace EquiGrid.Contracts;

/// <summary>
/// The one JSON form of the contracts: snake_case names, nulls omitted, NaN and infinities as named literals. Used
/// for the runner protocol (stdout lines, spec.json, result.json), the analysis folder's result.json and, through
/// Orleans' System.Text.Json codec, grain calls and grain state.
/// </summary>
public static class ContractJson
{
    /// <summary>Serializer settings shared by every reader and writer of the contracts.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The same settings, indented, for files people read (the study table).</summary>
    public static readonly JsonSerializerOptions Indented = new(Options)
    {
        WriteIndented = true,
        // Irreps such as "8x0e+8x1o" and SMILES stay readable ('+' unescaped); the files are never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One-line JSON of a contract value.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads a contract value; throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when the text is not one.</summary>
    public static T Deserialize<T>(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"{source}: empty JSON, expected a {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a {typeof(T).Name} ({e.Message})");
        }
    }

    /// <summary>Reads a contract value from a file (see <see cref="Deserialize{T}(string, string)"/>).</summary>
    public static T Read<T>(string path) => Deserialize<T>(File.ReadAllText(path), path);

    /// <summary>Writes a contract value to a file atomically (temporary file, then rename), so a reader never sees half of it.</summary>
    public static void Write<T>(string path, T value, bool indented = false)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(value, indented ? Indented : Options));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
