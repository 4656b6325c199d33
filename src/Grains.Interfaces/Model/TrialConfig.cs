namespace EquiGrid.Grains;

/// <summary>
/// The cluster's copy of one trial's training configuration. It mirrors the trainer's <c>TrialSpec</c> field by field
/// so that grains never depend on the trainer (and its native libraries); the silo maps it to a <c>TrialSpec</c>
/// just before starting the child process.
/// </summary>
[GenerateSerializer, Immutable, Alias("equigrid.TrialConfig")]
public sealed record TrialConfig
{
    /// <summary>Spherical-harmonic orders, e.g. "0,1,2".</summary>
    [Id(0)] public required string LSet { get; init; }
    /// <summary>Hidden multiplicity h.</summary>
    [Id(1)] public required int Hidden { get; init; }
    /// <summary>Training epochs.</summary>
    [Id(2)] public int Epochs { get; init; } = 3;
    /// <summary>Seed for weight init, data split and batch order.</summary>
    [Id(3)] public int Seed { get; init; } = 21616;
    /// <summary>Cap on training molecules; null = all.</summary>
    [Id(4)] public int? MaxMolecules { get; init; }
    /// <summary>Mini-batch size.</summary>
    [Id(5)] public int BatchSize { get; init; } = 32;
    /// <summary>AdamW learning rate.</summary>
    [Id(6)] public double LearningRate { get; init; } = 1e-3;
    /// <summary>Interaction layers.</summary>
    [Id(7)] public int Layers { get; init; } = 3;
    /// <summary>Atom embedding width.</summary>
    [Id(8)] public int AtomDim { get; init; } = 64;
    /// <summary>Bessel radial basis size.</summary>
    [Id(9)] public int Basis { get; init; } = 20;
    /// <summary>Radial cutoff in Angstrom.</summary>
    [Id(10)] public double Cutoff { get; init; } = 6.0;
    /// <summary>"bond" or "radius".</summary>
    [Id(11)] public string Graph { get; init; } = "bond";
    /// <summary>QM9 source; null = the shipped subset.</summary>
    [Id(12)] public string? DataPath { get; init; }
    /// <summary>Checkpoint every this many optimiser steps.</summary>
    [Id(13)] public int CheckpointEverySteps { get; init; } = 50;
    /// <summary>Free-form extra axes (kept for reporting), sorted by key for a stable identity.</summary>
    [Id(14)] public SortedDictionary<string, string>? Extra { get; init; }
    /// <summary>
    /// Fractions of training (0 &lt; f &lt;= 1, ascending) after which the embeddings are exported too, for claims about
    /// when structure forms (the trainer's export_at); null = only the final export. Not part of the trial name: it
    /// changes what is exported, never the trained weights.
    /// </summary>
    [Id(15)] public IReadOnlyList<double>? ExportAt { get; init; }

    /// <summary>A short stable name such as "L0-1-2_h32_e3_s21616" (+ "_key-value" per extra axis).</summary>
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

    /// <summary>Value equality including the extra-axes dictionary (records compare dictionaries by reference).</summary>
    public bool Equals(TrialConfig? other) =>
        other is not null && LSet == other.LSet && Hidden == other.Hidden && Epochs == other.Epochs && Seed == other.Seed
        && MaxMolecules == other.MaxMolecules && BatchSize == other.BatchSize && LearningRate.Equals(other.LearningRate)
        && Layers == other.Layers && AtomDim == other.AtomDim && Basis == other.Basis && Cutoff.Equals(other.Cutoff)
        && Graph == other.Graph && DataPath == other.DataPath && CheckpointEverySteps == other.CheckpointEverySteps
        && (Extra ?? new()).SequenceEqual(other.Extra ?? new()) && (ExportAt ?? []).SequenceEqual(other.ExportAt ?? []);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(LSet, Hidden, Epochs, Seed, BatchSize, LearningRate, Layers, Graph);
}
