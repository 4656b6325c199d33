using EquiGrid.Kernels;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using TorchSharp.Modules;

namespace EquiGrid.Training.Gpu;

/// <summary>
/// Trains on an <see cref="IlgpuModel"/>: every step's forward pass, backward pass and AdamW update run as ILGPU
/// kernels; the trainer's TorchSharp model and optimiser are only read at the start (or resume) and written before each
/// checkpoint and at the end.
/// </summary>
public sealed class IlgpuTrainingEngine : ITrainingEngine
{
    private readonly IlgpuModel _model;
    private readonly KernelAccelerator? _owned;

    /// <summary>Trains <paramref name="template"/>'s architecture on <paramref name="accelerator"/>.</summary>
    /// <param name="template">The trainer's model (architecture and initial weights).</param>
    /// <param name="accelerator">Where to run.</param>
    /// <param name="ownsAccelerator">Dispose the accelerator with the engine.</param>
    public IlgpuTrainingEngine(EquivariantModel template, KernelAccelerator accelerator, bool ownsAccelerator)
    {
        _model = new IlgpuModel(template, accelerator);
        _owned = ownsAccelerator ? accelerator : null;
    }

    /// <inheritdoc />
    public string Device => _model.DeviceName;

    /// <inheritdoc />
    public void Load(EquivariantModel model, AdamW optimizer)
    {
        _model.LoadParameters(model);
        _model.LoadOptimizerState(optimizer);
    }

    /// <inheritdoc />
    public void Store(EquivariantModel model, AdamW optimizer)
    {
        _model.StoreParameters(model);
        _model.StoreOptimizerState(optimizer);
    }

    /// <inheritdoc />
    public double TrainStep(GraphBatch batch)
    {
        double loss = _model.ComputeGradients(batch);
        _model.OptimizerStep();
        return loss;
    }

    /// <inheritdoc />
    public float[] Predict(GraphBatch batch) => _model.Predict(batch);

    /// <inheritdoc />
    public void Dispose()
    {
        _model.Dispose();
        _owned?.Dispose();
    }
}
