namespace EquiGrid.Contracts;

/// <summary>
/// Final metrics of a completed trial: written by the trainer, returned by the child process (result.json), kept by
/// the trial grain and the study table, and read by the analysis from the trial's folder.
/// </summary>
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
    /// <summary>Per-epoch losses (every epoch of the trial, including those of earlier attempts).</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; init; } = [];
    /// <summary>SHA-256 of the final weights (determinism checks: a resumed run must match an uninterrupted one).</summary>
    public string? WeightsSha256 { get; init; }
    /// <summary>
    /// Training time in seconds: the sum of the trained epochs' times (across attempts, as the trainer recorded them and
    /// the checkpoints carried them), not the finishing attempt's wall time.
    /// </summary>
    public double Seconds { get; init; }
    /// <summary>Irrep-utilisation summary of the trained model's embeddings (null when the attempt exported none).</summary>
    public UtilisationSummary? Utilisation { get; init; }
}

/// <summary>Losses of one finished epoch.</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double ValLoss, double Seconds);
