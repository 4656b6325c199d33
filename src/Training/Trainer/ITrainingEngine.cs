using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using TorchSharp.Modules;

namespace EquiGrid.Training;

/// <summary>
/// What executes a trial's steps. The <see cref="Trainer"/> always owns a TorchSharp <see cref="EquivariantModel"/> and
/// AdamW: they carry the seeded initialisation, the checkpoint format and the final weights. An engine trains either
/// on them directly (<see cref="TorchSharpEngine"/>) or on its own copy elsewhere (the ILGPU engine of
/// EquiGrid.Training.Gpu), synchronising through <see cref="Load"/> and <see cref="Store"/>; that is what makes
/// checkpoints interchangeable between engines.
/// </summary>
public interface ITrainingEngine : IDisposable
{
    /// <summary>Where the steps run, for logs and results, e.g. "cpu (TorchSharp)" or "Cuda: NVIDIA H100".</summary>
    string Device { get; }

    /// <summary>Takes the model's weights and the optimiser's state (after initialisation or a resume).</summary>
    void Load(EquivariantModel model, AdamW optimizer);

    /// <summary>Writes the engine's weights and optimiser state back (before a checkpoint and at the end).</summary>
    void Store(EquivariantModel model, AdamW optimizer);

    /// <summary>One optimiser step on <paramref name="batch"/> (MSE on normalised energies); returns the batch loss.</summary>
    double TrainStep(GraphBatch batch);

    /// <summary>Predicted normalised energies of <paramref name="batch"/> with the current weights.</summary>
    float[] Predict(GraphBatch batch);
}

/// <summary>Creates the engine for a trial's model, or returns null to train with TorchSharp on the CPU.</summary>
public delegate ITrainingEngine? TrainingEngineFactory(EquivariantModel model, AdamW optimizer);

/// <summary>The TorchSharp CPU path: trains the trainer's own model and optimiser in place.</summary>
public sealed class TorchSharpEngine(EquivariantModel model, AdamW optimizer) : ITrainingEngine
{
    /// <inheritdoc />
    public string Device => "cpu (TorchSharp)";

    /// <inheritdoc />
    public void Load(EquivariantModel source, AdamW sourceOptimizer) => Check(source, sourceOptimizer);

    /// <inheritdoc />
    public void Store(EquivariantModel target, AdamW targetOptimizer) => Check(target, targetOptimizer);

    /// <inheritdoc />
    public double TrainStep(GraphBatch batch)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        model.train();
        optimizer.zero_grad();
        var loss = TorchSharp.torch.nn.functional.mse_loss(model.Forward(batch), TorchSharp.torch.tensor(batch.Targets));
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <inheritdoc />
    public float[] Predict(GraphBatch batch)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        model.eval();
        using var noGrad = TorchSharp.torch.no_grad();
        return model.Forward(batch).data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose() { }

    // This engine trains the trainer's objects themselves: there is nothing to copy, only a mix-up to catch.
    private void Check(EquivariantModel m, AdamW o)
    {
        if (!ReferenceEquals(m, model) || !ReferenceEquals(o, optimizer))
            throw new InvalidOperationException("the TorchSharp engine trains its own model and optimiser in place");
    }
}
