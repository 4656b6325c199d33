using System.Globalization;
using EquiGrid.Kernels;

namespace EquiGrid.Grains.Studies;

/// <summary>
/// The trial fields a study file may set (under <c>trial:</c>) or sweep (under <c>grid:</c>), by their file names.
/// Each field knows how to parse and check a value and apply it to a <see cref="TrialConfig"/>; the same code
/// validates the file on the client and the definition again in the study grain.
/// </summary>
public static class TrialFields
{
    private sealed record Field(string Name, string Help, Func<TrialConfig, string, TrialConfig> Apply, Func<TrialConfig, string?> Get);

    private static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Longest data path accepted (a path, not a document).</summary>
    public const int MaxDataPathLength = 1024;

    private static readonly Dictionary<string, Field> Fields = new Field[]
    {
        new("lset", "an L-set such as \"0,1,2\" (orders 0..12, each once, 0 included: the energy readout reads the scalars)",
            (c, v) => c with { LSet = string.Join(",", LSetWithScalars(v).Orders) }, c => c.LSet),
        new("hidden", "a positive hidden multiplicity such as 32", (c, v) => c with { Hidden = PositiveInt(v, 4096) }, c => Text(c.Hidden)),
        new("epochs", "a positive number of epochs", (c, v) => c with { Epochs = PositiveInt(v, 100_000) }, c => Text(c.Epochs)),
        new("seed", "an integer seed", (c, v) => c with { Seed = Int(v) }, c => Text(c.Seed)),
        new("max_molecules", "a positive molecule count, or 'all'",
            (c, v) => c with { MaxMolecules = v.Equals("all", StringComparison.OrdinalIgnoreCase) ? null : PositiveInt(v, int.MaxValue) },
            c => c.MaxMolecules is { } m ? Text(m) : "all"),
        new("batch_size", "a positive batch size", (c, v) => c with { BatchSize = PositiveInt(v, 65_536) }, c => Text(c.BatchSize)),
        new("learning_rate", "a positive learning rate such as 0.001", (c, v) => c with { LearningRate = PositiveDouble(v) }, c => Text(c.LearningRate)),
        new("layers", "a positive number of interaction layers", (c, v) => c with { Layers = PositiveInt(v, 64) }, c => Text(c.Layers)),
        new("atom_dim", "a positive atom embedding width", (c, v) => c with { AtomDim = PositiveInt(v, 4096) }, c => Text(c.AtomDim)),
        new("basis", "a positive number of radial basis functions", (c, v) => c with { Basis = PositiveInt(v, 1024) }, c => Text(c.Basis)),
        new("cutoff", "a positive cutoff in Angstrom", (c, v) => c with { Cutoff = PositiveDouble(v) }, c => Text(c.Cutoff)),
        new("graph", "'bond' or 'radius'", (c, v) => c with { Graph = v is "bond" or "radius" ? v : throw new FormatException($"'{v}' is not a graph kind") }, c => c.Graph),
        new("data_path", $"a QM9 file or directory (at most {MaxDataPathLength} characters; relative paths are relative to the study file)",
            (c, v) => c with { DataPath = DataPath(v) }, c => c.DataPath),
        new("export_at", "fractions of training in (0, 1] after which the embeddings are exported too, such as [0.3, 1]",
            (c, v) => c with { ExportAt = Fractions(v) }, c => c.ExportAt is { } f ? string.Join(",", f.Select(Text)) : null),
        new("checkpoint_every_steps", "a positive step count", (c, v) => c with { CheckpointEverySteps = PositiveInt(v, int.MaxValue) }, c => Text(c.CheckpointEverySteps)),
    }.ToDictionary(f => f.Name);

    /// <summary>Plural spellings accepted under <c>grid:</c> ("lsets", "seeds").</summary>
    private static readonly Dictionary<string, string> Plurals = new()
    {
        ["lsets"] = "lset", ["seeds"] = "seed", ["hidden_sizes"] = "hidden",
    };

    /// <summary>All field names, for error messages.</summary>
    public static IReadOnlyCollection<string> Names => Fields.Keys;

    /// <summary>The canonical field name for a file key (plural aliases resolved), or null when unknown.</summary>
    public static string? Canonical(string key)
    {
        if (Fields.ContainsKey(key)) return key;
        return Plurals.TryGetValue(key, out var c) ? c : null;
    }

    /// <summary>Applies one value; throws <see cref="FormatException"/> naming the expected form when it is invalid.</summary>
    public static TrialConfig Apply(TrialConfig config, string field, string value)
    {
        var f = Fields.GetValueOrDefault(field) ?? throw new FormatException($"unknown trial field '{field}'; known: {string.Join(", ", Names)}");
        try
        {
            return f.Apply(config, value.Trim());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new FormatException($"{field}: '{value}' is invalid ({e.Message}); expected {f.Help}");
        }
    }

    /// <summary>
    /// Checks every field of a configuration with the same parsers a study file goes through, so a definition built
    /// in code (or sent by another client) gets the checks of a file. Throws <see cref="FormatException"/> naming the field.
    /// </summary>
    public static void Check(TrialConfig config)
    {
        foreach (var f in Fields.Values)
            if (f.Get(config) is { } text) Apply(config, f.Name, text);
    }

    /// <summary>Every field of a configuration as text, in <see cref="Names"/> order (null = unset, e.g. the shipped data).</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Values(TrialConfig config) =>
        Fields.Values.Select(f => KeyValuePair.Create(f.Name, f.Get(config))).ToList();

    private static LSet LSetWithScalars(string v)
    {
        var lset = LSet.Parse(v);
        return lset.Contains(0) ? lset : throw new FormatException($"L-set {lset} has no order 0: the energy readout needs scalar (l=0) features; add 0");
    }

    private static IReadOnlyList<double> Fractions(string v)
    {
        var parts = v.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 20) throw new FormatException("give 1..20 fractions");
        var list = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 && f <= 1
            ? f : throw new FormatException($"'{p}' is not a fraction in (0, 1]")).Distinct().Order().ToList();
        return list;
    }

    private static string DataPath(string v)
    {
        if (string.IsNullOrWhiteSpace(v)) throw new FormatException("empty path");
        if (v.Length > MaxDataPathLength) throw new FormatException($"{v.Length} characters; at most {MaxDataPathLength}");
        if (v.Any(char.IsControl)) throw new FormatException("control characters in the path");
        return v;
    }

    private static int Int(string v) =>
        int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : throw new FormatException("not an integer");

    private static int PositiveInt(string v, int max)
    {
        var i = Int(v);
        if (i <= 0 || i > max) throw new FormatException($"must be in 1..{max}");
        return i;
    }

    private static double PositiveDouble(string v)
    {
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) throw new FormatException("not a number");
        if (!(d > 0) || double.IsInfinity(d)) throw new FormatException("must be positive");
        return d;
    }
}
