using System.Text.Json.Serialization;

namespace EquiGrid.Training;

/// <summary>
/// Everything that defines one trial (one L-set, one hidden size, one seed...). Two trials with equal specs
/// produce bit-identical results on the same machine. Serialised as JSON between the cluster and the trainer
/// child process, so members are plain values.
/// </summary>
public sealed record TrialSpec
{
    /// <summary>Spherical-harmonic orders, e.g. "0,1,2" or "0,3,4,5,6" (parsed with <c>LSet.Parse</c>).</summary>
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
    /// <summary>Free-form extra axes of the study grid (kept for reporting).</summary>
    public Dictionary<string, string>? Extra { get; init; }

    /// <summary>A short stable name such as "L0-1-2_h32_e3_s21616".</summary>
    [JsonIgnore]
    public string Name => $"L{LSet.Replace(",", "-").Replace(" ", "")}_h{Hidden}_e{Epochs}_s{Seed}";
}

/// <summary>Progress of a running trial, reported after every logged step and every epoch.</summary>
public sealed record TrainingProgress
{
    /// <summary>Zero-based epoch.</summary>
    public int Epoch { get; init; }
    /// <summary>Optimiser steps done since the start of training.</summary>
    public long Step { get; init; }
    /// <summary>Total optimiser steps of the whole trial.</summary>
    public long TotalSteps { get; init; }
    /// <summary>Running mean training loss (normalised MSE) of the current epoch.</summary>
    public double TrainLoss { get; init; }
    /// <summary>Validation loss of the last finished epoch, if any.</summary>
    public double? ValLoss { get; init; }
    /// <summary>Throughput over the last reporting window.</summary>
    public double MoleculesPerSecond { get; init; }
    /// <summary>True when this report closes an epoch.</summary>
    public bool EpochEnd { get; init; }
}

/// <summary>Final metrics of a completed trial.</summary>
public sealed record TrialResult
{
    /// <summary>The spec that produced it.</summary>
    public required TrialSpec Spec { get; init; }
    /// <summary>Trainable parameter count.</summary>
    public long Parameters { get; init; }
    /// <summary>Test MSE on normalised labels.</summary>
    public double TestMseNormalized { get; init; }
    /// <summary>Test MAE in eV.</summary>
    public double TestMaeEv { get; init; }
    /// <summary>Test RMSE in eV.</summary>
    public double TestRmseEv { get; init; }
    /// <summary>Per-epoch (train loss, validation loss).</summary>
    public List<EpochMetrics> Epochs { get; init; } = new();
    /// <summary>SHA-256 of the final weights, for determinism checks.</summary>
    public string? WeightsSha256 { get; init; }
}

/// <summary>Losses of one epoch.</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double ValLoss, double Seconds);
