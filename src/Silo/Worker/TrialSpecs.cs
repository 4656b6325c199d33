using EquiGrid.Grains;
using EquiGrid.Training;

namespace EquiGrid.Silo.Worker;

/// <summary>Maps between the cluster's records and the trainer's contracts (the only place that knows both).</summary>
public static class TrialSpecs
{
    /// <summary>The trainer's spec for a trial configuration.</summary>
    public static TrialSpec From(TrialConfig c) => new()
    {
        LSet = c.LSet, Hidden = c.Hidden, Epochs = c.Epochs, Seed = c.Seed, MaxMolecules = c.MaxMolecules, BatchSize = c.BatchSize,
        LearningRate = c.LearningRate, Layers = c.Layers, AtomDim = c.AtomDim, Basis = c.Basis, Cutoff = c.Cutoff, Graph = c.Graph,
        DataPath = c.DataPath, CheckpointEverySteps = c.CheckpointEverySteps, ExportAt = c.ExportAt?.ToList(),
        Extra = c.Extra is null ? null : new Dictionary<string, string>(c.Extra),
    };

    /// <summary>
    /// The cluster's copy of a trainer result. Its seconds are the training time the trainer recorded per epoch (summed
    /// across attempts, restored from checkpoints), not the finishing attempt's wall time: an attempt that only resumed
    /// from a final checkpoint trained for no time at all.
    /// </summary>
    public static TrialOutcome Outcome(TrialResult r) => new()
    {
        Parameters = r.Parameters, TestMseNormalized = r.TestMseNormalized, TestMaeEv = r.TestMaeEv, TestRmseEv = r.TestRmseEv,
        Epochs = r.Epochs.Select(e => new EpochRecord(e.Epoch, e.TrainLoss, e.ValLoss, e.Seconds)).ToList(),
        WeightsSha256 = r.WeightsSha256, Seconds = r.Epochs.Sum(e => e.Seconds),
    };
}
