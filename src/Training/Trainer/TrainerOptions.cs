namespace EquiGrid.Training;

/// <summary>How a trial runs: where checkpoints go, who hears about progress, how many threads it may use.</summary>
public sealed record TrainerOptions
{
    /// <summary>Checkpoint store; null trains without checkpoints (and cannot resume).</summary>
    public ICheckpointStore? Store { get; init; }
    /// <summary>
    /// Checkpoints to resume from, newest first (the trial grain's committed list, handed over by the worker); the
    /// first whose hash verifies wins. Null lists the store instead (<c>equigrid train</c> resuming its own folder).
    /// </summary>
    public IReadOnlyList<CheckpointRef>? ResumeFrom { get; init; }
    /// <summary>Trial id used as the checkpoint key.</summary>
    public string TrialId { get; init; } = "trial";
    /// <summary>Attempt number (fencing token) written into checkpoint names.</summary>
    public int Attempt { get; init; } = 1;
    /// <summary>Progress reports (every <see cref="ReportEverySteps"/> steps and at every epoch end).</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Report interval in optimiser steps.</summary>
    public int ReportEverySteps { get; init; } = 10;
    /// <summary>Warnings and notes (a corrupt checkpoint skipped, a resume).</summary>
    public TextWriter? Log { get; init; }
    /// <summary>
    /// Worker threads of the model's kernels (where nearly all of a step's arithmetic runs). The kernels give the same
    /// bits for any value, and the remaining TorchSharp ops always run on <see cref="Trainer.TorchThreads"/> thread.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Directory for metrics.jsonl; null writes none.</summary>
    public string? MetricsDirectory { get; init; }
    /// <summary>
    /// Stop after this many optimiser steps in this process (as if killed: <see cref="OperationCanceledException"/>), or
    /// null. Tests use it, and so does a node's reference-rate measurement, which needs no evaluation.
    /// </summary>
    public long? StopAfterSteps { get; init; }
    /// <summary>
    /// Chooses the engine that runs the steps (e.g. the ILGPU engine on a GPU node); null, or a factory returning null,
    /// trains with TorchSharp on the CPU.
    /// </summary>
    public TrainingEngineFactory? EngineFactory { get; init; }
}
