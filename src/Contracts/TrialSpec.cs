using System.Globalization;
using System.Text.Json.Serialization;
using EquiGrid.Kernels;

namespace EquiGrid.Contracts;

/// <summary>
/// Everything that defines one trial (one L-set, one hidden size, one seed...). Two trials with equal specs produce
/// bit-identical results on the same machine. The same record travels from the study file through the grains to the
/// child process and the trainer, and comes back inside the <see cref="TrialResult"/>. Defaults are the property
/// initialisers below; the file names, accepted values and checks of every field are in <see cref="TrialFields"/>,
/// right after it.
/// </summary>
public sealed record TrialSpec
{
    /// <summary>Spherical-harmonic orders, e.g. "0,1,2" or "0,3,4,5,6" (canonical form: ascending, comma-separated).</summary>
    public required string LSet { get; init; }
    /// <summary>Hidden multiplicity h: node features are h x l for every l in the L-set.</summary>
    public required int Hidden { get; init; }
    /// <summary>Number of training epochs.</summary>
    public int Epochs { get; init; } = 3;
    /// <summary>Seed for weight init, data split and batch order.</summary>
    public int Seed { get; init; } = 21616;
    /// <summary>Optional cap on the number of training molecules (CPU-scale studies); null = all.</summary>
    public int? MaxMolecules { get; init; }
    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>AdamW learning rate (weight decay 0).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Number of interaction layers (num_layers; the network has num_layers + 2 blocks).</summary>
    public int Layers { get; init; } = 3;
    /// <summary>Atom embedding width (scalars).</summary>
    public int AtomDim { get; init; } = 64;
    /// <summary>Number of Bessel radial basis functions.</summary>
    public int Basis { get; init; } = 20;
    /// <summary>Radial cutoff in Angstrom.</summary>
    public double Cutoff { get; init; } = 6.0;
    /// <summary>Graph construction: "bond" (reference) or "radius".</summary>
    public string Graph { get; init; } = "bond";
    /// <summary>QM9 source: null = the subset shipped in the repository; else a file or directory.</summary>
    public string? DataPath { get; init; }
    /// <summary>Write a checkpoint every this many optimiser steps (and at every epoch end).</summary>
    public int CheckpointEverySteps { get; init; } = 50;
    /// <summary>
    /// Fractions of training (0 &lt; f &lt;= 1, e.g. [0.3, 1.0]) after which the model is kept so that its embeddings are
    /// exported too, for claims about when structure forms; f maps to the epoch ceil(f x epochs). Null = only the final
    /// export. The kept models go to the checkpoint store, so a trial resumed on another node still exports them.
    /// </summary>
    public List<double>? ExportAt { get; init; }
    /// <summary>Free-form extra axes of the study grid (kept for reporting), sorted by key for a stable identity.</summary>
    public SortedDictionary<string, string>? Extra { get; init; }
    /// <summary>
    /// Where the trial trains (<see cref="TrainingDevices"/>): "auto" (a GPU when the node has one, else the CPU), "cpu"
    /// (TorchSharp) or "gpu" (the ILGPU path on a CUDA device; fails on a node without one). Not part of the trial's
    /// name: a checkpoint written on one device resumes on the other.
    /// </summary>
    public string Device { get; init; } = TrainingDevices.Auto;

    /// <summary>A short stable name such as "L0-1-2_h32_e3_s21616" (+ "_key-value" per extra axis); the trial id's second half.</summary>
    [JsonIgnore]
    public string Name
    {
        get
        {
            var name = $"L{LSet.Replace(",", "-").Replace(" ", "")}_h{Hidden}_e{Epochs}_s{Seed}";
            if (Extra is null) return name;
            foreach (var (k, v) in Extra) name += $"_{k}-{v}";
            return name;
        }
    }

    /// <summary>
    /// Two specs are equal when their contract JSON is (records compare the extra-axes dictionary by reference, and
    /// comparing the serialised form cannot fall behind when a field is added).
    /// </summary>
    public bool Equals(TrialSpec? other) =>
        other is not null && (ReferenceEquals(this, other) || ContractJson.Serialize(this) == ContractJson.Serialize(other));

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>
    /// Checks every field with the same rules a study file's values go through (<see cref="TrialFields"/>); throws an
    /// <see cref="ArgumentException"/> naming the field and the expected form. Returns the spec for chaining.
    /// </summary>
    public TrialSpec Validate()
    {
        try { TrialFields.Check(this); }
        catch (FormatException e) { throw new ArgumentException(e.Message, e); }
        return this;
    }
}

/// <summary>
/// The trial fields a study file may set (under <c>trial:</c>) or sweep (under <c>grid:</c>), by their file names.
/// Each field parses and checks a value and applies it to a <see cref="TrialSpec"/>; the same rules validate a study
/// file on the client, the definition again in the study grain, and a spec built in code (<see cref="TrialSpec.Validate"/>:
/// the <c>train</c> verb, the trainer).
/// </summary>
public static class TrialFields
{
    /// <summary>One field: its file name, the expected form (for errors), how a value applies, and the spec's current value as text (null = unset).</summary>
    public sealed record Field(string Name, string Help, Func<TrialSpec, string, TrialSpec> Apply, Func<TrialSpec, string?> Current);

    /// <summary>Longest data path accepted (a path, not a document).</summary>
    public const int MaxDataPathLength = 1024;

    private static readonly Field[] Table =
    [
        new("lset", "an L-set such as \"0,1,2\" (orders 0..10, each once, 0 included: the energy readout reads the scalars)",
            (c, v) => c with { LSet = string.Join(",", LSetWithScalars(v).Orders) }, c => c.LSet),
        new("hidden", "a positive hidden multiplicity such as 32", (c, v) => c with { Hidden = PositiveInt(v, 4096) }, c => Text(c.Hidden)),
        new("epochs", "a positive number of epochs", (c, v) => c with { Epochs = PositiveInt(v, 100_000) }, c => Text(c.Epochs)),
        new("seed", "an integer seed", (c, v) => c with { Seed = Int(v) }, c => Text(c.Seed)),
        new("max_molecules", "a positive molecule count, or 'all'",
            (c, v) => c with { MaxMolecules = v.Equals("all", StringComparison.OrdinalIgnoreCase) ? null : PositiveInt(v, int.MaxValue) },
            c => c.MaxMolecules is { } m ? Text(m) : "all"),
        new("batch_size", "a positive batch size", (c, v) => c with { BatchSize = PositiveInt(v, 65_536) }, c => Text(c.BatchSize)),
        new("learning_rate", "a positive learning rate such as 0.001", (c, v) => c with { LearningRate = PositiveDouble(v) }, c => Text(c.LearningRate)),
        // 0 interaction layers is a valid model (embedding and output blocks only).
        new("layers", "a number of interaction layers in 0..64", (c, v) => c with { Layers = IntIn(v, 0, 64) }, c => Text(c.Layers)),
        new("atom_dim", "a positive atom embedding width", (c, v) => c with { AtomDim = PositiveInt(v, 4096) }, c => Text(c.AtomDim)),
        new("basis", "a positive number of radial basis functions", (c, v) => c with { Basis = PositiveInt(v, 1024) }, c => Text(c.Basis)),
        new("cutoff", "a positive cutoff in Angstrom", (c, v) => c with { Cutoff = PositiveDouble(v) }, c => Text(c.Cutoff)),
        new("graph", "'bond' or 'radius'",
            (c, v) => c with { Graph = v is "bond" or "radius" ? v : throw new FormatException($"'{v}' is not a graph kind") }, c => c.Graph),
        new("data_path", $"a QM9 file or directory (at most {MaxDataPathLength} characters; relative paths are relative to the study file)",
            (c, v) => c with { DataPath = DataPath(v) }, c => c.DataPath),
        new("checkpoint_every_steps", "a positive step count",
            (c, v) => c with { CheckpointEverySteps = PositiveInt(v, int.MaxValue) }, c => Text(c.CheckpointEverySteps)),
        new("export_at", "fractions of training in (0, 1] after which the embeddings are exported too, such as [0.3, 1]",
            (c, v) => c with { ExportAt = Fractions(v) }, c => c.ExportAt is null ? null : string.Join(",", c.ExportAt.Select(Text))),
        new("device", "'auto' (a GPU when the node has one), 'cpu' or 'gpu'",
            (c, v) => c with { Device = TrainingDevices.All.Contains(v) ? v : throw new FormatException($"'{v}' is not a device") }, c => c.Device),
    ];

    private static readonly Dictionary<string, Field> ByName = Table.ToDictionary(f => f.Name);

    /// <summary>Plural spellings accepted under <c>grid:</c> ("lsets", "seeds").</summary>
    private static readonly Dictionary<string, string> Plurals = new()
    {
        ["lsets"] = "lset", ["seeds"] = "seed", ["hidden_sizes"] = "hidden",
    };

    /// <summary>Every field, in file order.</summary>
    public static IReadOnlyList<Field> All => Table;

    /// <summary>All field names, for error messages.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>The canonical field name for a file key (plural aliases resolved), or null when unknown.</summary>
    public static string? Canonical(string key)
    {
        if (ByName.ContainsKey(key)) return key;
        return Plurals.TryGetValue(key, out var c) ? c : null;
    }

    /// <summary>Applies one value; throws <see cref="FormatException"/> naming the field and the expected form when it is invalid.</summary>
    public static TrialSpec Apply(TrialSpec spec, string field, string value)
    {
        var f = ByName.GetValueOrDefault(field) ?? throw new FormatException($"unknown trial field '{field}'; known: {string.Join(", ", Names)}");
        try
        {
            return f.Apply(spec, value.Trim());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new FormatException($"{field}: '{value}' is invalid ({e.Message}); expected {f.Help}");
        }
    }

    /// <summary>
    /// Checks every field of a spec with the same parsers a study file goes through, so a definition built in code (or
    /// sent by another client) gets the checks of a file. Throws <see cref="FormatException"/> naming the field.
    /// </summary>
    public static void Check(TrialSpec spec)
    {
        foreach (var f in Table)
            if (f.Current(spec) is { } text) Apply(spec, f.Name, text);
    }

    /// <summary>Every field of a spec as text, in <see cref="Names"/> order (null = unset, e.g. the shipped data).</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Values(TrialSpec spec) =>
        Table.Select(f => KeyValuePair.Create(f.Name, f.Current(spec))).ToList();

    private static EquiGrid.Kernels.LSet LSetWithScalars(string v)
    {
        var lset = EquiGrid.Kernels.LSet.Parse(v);
        return lset.Contains(0) ? lset : throw new FormatException($"L-set {lset} has no order 0: the energy readout needs scalar (l=0) features; add 0");
    }

    private static string DataPath(string v)
    {
        if (string.IsNullOrWhiteSpace(v)) throw new FormatException("empty path");
        if (v.Length > MaxDataPathLength) throw new FormatException($"{v.Length} characters; at most {MaxDataPathLength}");
        if (v.Any(char.IsControl)) throw new FormatException("control characters in the path");
        return v;
    }

    private static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static int Int(string v) =>
        int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : throw new FormatException("not an integer");

    private static int PositiveInt(string v, int max) => IntIn(v, 1, max);

    private static int IntIn(string v, int min, int max)
    {
        var i = Int(v);
        if (i < min || i > max) throw new FormatException($"must be in {min}..{max}");
        return i;
    }

    // Ascending and each once, so equal lists give equal specs; "[0.3, 1]" and "0.3,1" read the same.
    private static List<double> Fractions(string v)
    {
        var parts = v.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 20) throw new FormatException("give 1..20 fractions");
        return parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 && f <= 1
            ? f : throw new FormatException($"'{p}' is not a fraction in (0, 1]")).Distinct().Order().ToList();
    }

    private static double PositiveDouble(string v)
    {
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) throw new FormatException("not a number");
        if (!(d > 0) || double.IsInfinity(d)) throw new FormatException("must be positive");
        return d;
    }
}
