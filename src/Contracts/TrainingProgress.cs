namespace EquiGrid.Contracts;

/// <summary>
/// Progress of a running trial, reported by the trainer after every few steps and at every epoch end; the child
/// process writes it on stdout, the worker hands it to the trial grain as is, and <c>equigrid trials</c> shows it.
/// </summary>
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
    /// <summary>Wall time of the epoch this report closes (null when <see cref="EpochEnd"/> is false).</summary>
    public double? EpochSeconds { get; init; }
}
