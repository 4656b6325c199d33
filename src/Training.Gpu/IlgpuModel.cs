using EquiGrid.Kernels;
using EquiGrid.Training.Data;
using EquiGrid.Training.Gpu.Kernels;
using EquiGrid.Training.Model;
using ILGPU;
using ILGPU.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiGrid.Training.Gpu;

/// <summary>
/// The study's model (science.md, the same mathematics as <see cref="EquivariantModel"/>) with its forward pass,
/// backward pass and AdamW update all running as ILGPU kernels on one accelerator: CUDA on a GPU node, ILGPU's CPU
/// accelerator in tests. Parameters, gradients and AdamW moments live in flat device vectors laid out in the
/// TorchSharp model's parameter order (<see cref="ParameterLayout"/>); weights and optimiser state are copied from and
/// to a TorchSharp model and optimiser, so initialisation and checkpoints are exactly the TorchSharp path's.
/// Activations of the last forward pass stay on the device for the backward pass. Not thread-safe.
/// </summary>
public sealed class IlgpuModel : IDisposable
{
    private readonly ModelConfig _config;
    private readonly KernelAccelerator _accelerator;
    private readonly Accelerator _acc;
    private readonly ParameterLayout _layout;
    private readonly LoadedModelKernels _k;
    private readonly TiledGemm _gemm;
    private readonly IlgpuSphericalHarmonics _sh;
    private readonly IlgpuTensorProduct[] _tps;
    private readonly bool[] _residual;
    private readonly DeviceArena _arena;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _params, _grads, _expAvg, _expAvgSq;
    private readonly int _shDim;
    private DeviceBatch? _last;
    private AdamWSettings _adam = new(1e-3, 0.9, 0.999, 1e-8, 0);

    /// <summary>
    /// Builds the device model for <paramref name="template"/>'s architecture and copies its current weights; AdamW
    /// starts with zero moments (call <see cref="LoadOptimizerState"/> to take over a TorchSharp optimiser's state).
    /// </summary>
    /// <param name="template">The TorchSharp model whose architecture and weights are used.</param>
    /// <param name="accelerator">Where the kernels run (not owned).</param>
    public IlgpuModel(EquivariantModel template, KernelAccelerator accelerator) : this(template.Config, accelerator)
    {
        _layout.Verify(template);
        LoadParameters(template);
    }

    /// <summary>
    /// Builds the device model for <paramref name="config"/> with all parameters zero (load them with
    /// <see cref="LoadParameters(float[])"/>). Needs no TorchSharp: the device check runs without libtorch.
    /// </summary>
    public IlgpuModel(ModelConfig config, KernelAccelerator accelerator)
    {
        config.Validate();
        _config = config;
        _accelerator = accelerator;
        _acc = accelerator.Accelerator;
        _layout = new ParameterLayout(config);
        _k = new LoadedModelKernels(_acc);
        _gemm = new TiledGemm(_acc);
        _sh = new IlgpuSphericalHarmonics(accelerator);
        var blocks = ModelBlocks.For(config);
        _tps = blocks.Select(tp => new IlgpuTensorProduct(tp, accelerator)).ToArray();
        _residual = blocks.Select(tp => tp.IrrepsIn1.Equals(tp.IrrepsOut)).ToArray();
        _arena = new DeviceArena(_acc);
        _params = _acc.Allocate1D<float>(_layout.Total);
        _grads = _acc.Allocate1D<float>(_layout.Total);
        _expAvg = _acc.Allocate1D<float>(_layout.Total);
        _expAvgSq = _acc.Allocate1D<float>(_layout.Total);
        _params.MemSetToZero();
        _grads.MemSetToZero();
        _expAvg.MemSetToZero();
        _expAvgSq.MemSetToZero();
        _shDim = _config.ShIrreps.Dim;
    }

    /// <summary>The accelerator's description, e.g. "Cuda: NVIDIA H100 80GB HBM3".</summary>
    public string DeviceName => _accelerator.Name;

    /// <summary>AdamW steps taken (TorchSharp's per-parameter step count).</summary>
    public long OptimizerSteps { get; private set; }

    /// <summary>Number of parameters.</summary>
    public long ParameterCount => _layout.Total;

    /// <summary>Where each parameter sits in the flat vectors.</summary>
    public ParameterLayout Layout => _layout;

    /// <summary>Copies a flat parameter vector (<see cref="Layout"/> order) to the device.</summary>
    public void LoadParameters(float[] flat)
    {
        if (flat.Length != _layout.Total) throw new ArgumentException($"{flat.Length} parameters given, the model has {_layout.Total}", nameof(flat));
        _params.View.CopyFromCPU(flat);
    }

    /// <summary>Copies the weights of <paramref name="model"/> (same architecture) to the device.</summary>
    public void LoadParameters(EquivariantModel model)
    {
        var host = new float[_layout.Total];
        foreach (var (slot, p) in _layout.Slots.Zip(model.parameters()))
            p.detach().contiguous().data<float>().CopyTo(host, (int)slot.Offset);
        _params.View.CopyFromCPU(host);
    }

    /// <summary>Writes the device weights into <paramref name="model"/>'s parameters.</summary>
    public void StoreParameters(EquivariantModel model)
    {
        var host = _params.GetAsArray1D();
        using var noGrad = no_grad();
        foreach (var (slot, p) in _layout.Slots.Zip(model.parameters()))
            p.copy_(tensor(host.AsSpan((int)slot.Offset, (int)slot.Count).ToArray(), slot.Shape));
    }

    /// <summary>Takes over a TorchSharp AdamW's settings, step count and moments (they must belong to a model of this layout).</summary>
    public void LoadOptimizerState(AdamW optimizer)
    {
        var (options, states) = Inspect(optimizer);
        _adam = new AdamWSettings(options.LearningRate!.Value, options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.weight_decay!.Value);
        var m = new float[_layout.Total];
        var v = new float[_layout.Total];
        foreach (var (slot, state) in _layout.Slots.Zip(states))
        {
            state.exp_avg.contiguous().data<float>().CopyTo(m, (int)slot.Offset);
            state.exp_avg_sq.contiguous().data<float>().CopyTo(v, (int)slot.Offset);
        }
        _expAvg.View.CopyFromCPU(m);
        _expAvgSq.View.CopyFromCPU(v);
        OptimizerSteps = states[0].step;
    }

    /// <summary>Writes the device AdamW step count and moments into <paramref name="optimizer"/>'s state.</summary>
    public void StoreOptimizerState(AdamW optimizer)
    {
        var (_, states) = Inspect(optimizer);
        var m = _expAvg.GetAsArray1D();
        var v = _expAvgSq.GetAsArray1D();
        using var noGrad = no_grad();
        foreach (var (slot, state) in _layout.Slots.Zip(states))
        {
            state.step = OptimizerSteps;
            state.exp_avg.copy_(tensor(m.AsSpan((int)slot.Offset, (int)slot.Count).ToArray(), slot.Shape));
            state.exp_avg_sq.copy_(tensor(v.AsSpan((int)slot.Offset, (int)slot.Count).ToArray(), slot.Shape));
        }
    }

    /// <summary>Predicted normalised energy per molecule of <paramref name="batch"/>.</summary>
    public float[] Predict(GraphBatch batch)
    {
        var b = Forward(batch);
        var prediction = _arena.Floats("prediction", b.Molecules).SubView(0, b.Molecules);
        var host = new float[b.Molecules];
        prediction.CopyToCPU(host);
        return host;
    }

    /// <summary>Forward and backward pass of the MSE loss on <paramref name="batch"/>; the gradients replace the previous ones. Returns the loss.</summary>
    public double ComputeGradients(GraphBatch batch)
    {
        var prediction = Predict(batch);
        Backward(_last!);
        _acc.Synchronize();
        double se = 0;
        for (int m = 0; m < prediction.Length; m++)
        {
            double d = prediction[m] - batch.Targets[m];
            se += d * d;
        }
        return se / Math.Max(1, prediction.Length);
    }

    /// <summary>One AdamW step with the current gradients (TorchSharp's formula and scalar handling).</summary>
    public void OptimizerStep()
    {
        OptimizerSteps++;
        double bc1 = 1 - Math.Pow(_adam.Beta1, OptimizerSteps), bc2 = 1 - Math.Pow(_adam.Beta2, OptimizerSteps);
        var s = new AdamWScalars
        {
            Beta1 = (float)_adam.Beta1, OneMinusBeta1 = (float)(1 - _adam.Beta1),
            Beta2 = (float)_adam.Beta2, OneMinusBeta2 = (float)(1 - _adam.Beta2),
            Eps = (float)_adam.Eps, Decay = (float)(1 - _adam.LearningRate * _adam.WeightDecay),
            SqrtBiasCorrection2 = (float)Math.Sqrt(bc2), NegStepSize = (float)(-(_adam.LearningRate / bc1)),
        };
        _k.AdamW((int)_layout.Total, _params.View, _grads.View, _expAvg.View, _expAvgSq.View, s);
        _acc.Synchronize();
    }

    /// <summary>Host copy of the flat gradient vector (<see cref="Layout"/> order).</summary>
    public float[] GradientsToHost() => _grads.GetAsArray1D();

    /// <summary>Host copy of the flat parameter vector (<see cref="Layout"/> order).</summary>
    public float[] ParametersToHost() => _params.GetAsArray1D();

    /// <summary>Waits for every queued kernel (benchmarks time whole steps).</summary>
    public void Synchronize() => _acc.Synchronize();

    private DeviceBatch Forward(GraphBatch batch)
    {
        var c = _config;
        var b = new DeviceBatch(batch, _arena, c.AtomTypes);
        int atoms = b.Atoms, edges = b.Edges, h = c.Hidden;
        var vectors = _arena.Floats("vectors", 3L * edges);
        var sh = _arena.Floats("sh", (long)edges * _shDim);
        var radial = _arena.Floats("radial", (long)edges * c.Basis);
        if (edges > 0)
        {
            _k.EdgeVectors(edges, b.Positions, b.Source, b.Target, vectors);
            _sh.Forward(c.LSet, vectors.SubView(0, 3L * edges), sh.SubView(0, (long)edges * _shDim), ShNormalization.Integral, normalizeInput: true);
            _k.Bessel(edges * c.Basis, vectors, radial, c.Basis, (float)c.Cutoff, (float)Math.Sqrt(2.0 / c.Cutoff), (float)Math.Sqrt(c.Basis));
        }
        var x = _arena.Floats("x0", (long)atoms * c.AtomDim);
        _k.EmbeddingGather(atoms * c.AtomDim, Param(_layout.Embedding), b.AtomicNumbers, x, c.AtomDim);
        for (int i = 0; i < _tps.Length; i++)
        {
            var tp = _tps[i].Definition;
            int inDim = tp.IrrepsIn1.Dim, outDim = tp.IrrepsOut.Dim, numel = tp.WeightNumel;
            var (h1, act, weights, xs) = SavedForBackward(i, edges);
            var messages = _arena.Floats("messages", (long)edges * outDim);
            var next = _arena.Floats($"x{i + 1}", (long)atoms * outDim);
            if (edges > 0)
            {
                _gemm.Run(edges, h, c.Basis, radial, false, Param(_layout.RadialIn(i)), false, h1, (float)(1 / Math.Sqrt(c.Basis)));
                _k.Silu(edges * h, h1, act, (float)RadialMlp.SiluSecondMomentScale);
                _gemm.Run(edges, numel, h, act, false, Param(_layout.RadialOut(i)), false, weights, (float)(1 / Math.Sqrt(h)));
                _k.GatherRows(edges * inDim, x, b.Source, xs, inDim, 1f);
                _tps[i].ForwardOnDevice(edges, xs, sh, weights, messages);
            }
            _k.SegmentSum(atoms * outDim, messages, b.InOffsets, b.InEdges, _residual[i] ? x : next, next, outDim, (float)c.DegreeNorm, _residual[i] ? 1 : 0);
            x = next;
        }
        int dim = c.HiddenIrreps.Dim;
        var perAtom = _arena.Floats("perAtom", atoms);
        var perMolecule = _arena.Floats("perMolecule", b.Molecules);
        var prediction = _arena.Floats("prediction", b.Molecules);
        _k.ReadoutAtoms(atoms, x, Param(_layout.Readout), perAtom, dim, h, (float)Math.Sqrt(h));
        _k.MoleculeSum(b.Molecules, perAtom, b.MoleculeOffsets, perMolecule, prediction, Param(_layout.FinalWeight), Param(_layout.FinalBias));
        _last = b;
        return b;
    }

    /// <summary>
    /// Block <paramref name="block"/>'s activations that forward writes and backward reads again (radial hidden layer
    /// before and after SiLU, per-edge weights, gathered inputs): one place names them, so both passes use the same buffers.
    /// </summary>
    private (ArrayView<float> H1, ArrayView<float> Act, ArrayView<float> Weights, ArrayView<float> Xs) SavedForBackward(int block, int edges)
    {
        var tp = _tps[block].Definition;
        long e = edges;
        return (_arena.Floats($"h1.{block}", e * _config.Hidden), _arena.Floats($"act.{block}", e * _config.Hidden),
            _arena.Floats($"weights.{block}", e * tp.WeightNumel), _arena.Floats($"xs.{block}", e * tp.IrrepsIn1.Dim));
    }

    private void Backward(DeviceBatch b)
    {
        var c = _config;
        int atoms = b.Atoms, edges = b.Edges, h = c.Hidden, dim = c.HiddenIrreps.Dim;
        var prediction = _arena.Floats("prediction", b.Molecules);
        var perMolecule = _arena.Floats("perMolecule", b.Molecules);
        var gradPrediction = _arena.Floats("gradPrediction", b.Molecules);
        var xFinal = _arena.Floats($"x{_tps.Length}", (long)atoms * dim);
        _k.MseGrad(b.Molecules, prediction, b.Targets, gradPrediction, 1f / b.Molecules);
        _k.FinalLinearGrad(1, gradPrediction, perMolecule, Grad(_layout.FinalWeight), Grad(_layout.FinalBias), b.Molecules);
        _k.ReadoutWeightGrad(h, gradPrediction, b.AtomMolecule, Param(_layout.FinalWeight), xFinal, Grad(_layout.Readout), atoms, dim, (float)Math.Sqrt(h));
        var gradX = _arena.Floats("gradX.a", (long)atoms * dim);
        _k.ReadoutInputGrad(atoms * dim, gradPrediction, b.AtomMolecule, Param(_layout.FinalWeight), Param(_layout.Readout), gradX, dim, h, (float)Math.Sqrt(h));
        var sh = _arena.Floats("sh", (long)edges * _shDim);
        var radial = _arena.Floats("radial", (long)edges * c.Basis);
        for (int i = _tps.Length - 1; i >= 0; i--)
        {
            var tp = _tps[i].Definition;
            int inDim = tp.IrrepsIn1.Dim, outDim = tp.IrrepsOut.Dim, numel = tp.WeightNumel;
            var (h1, act, weights, xs) = SavedForBackward(i, edges);
            var gradMessages = _arena.Floats("gradMessages", (long)edges * outDim);
            var gradXs = _arena.Floats("gradXs", (long)edges * inDim);
            var gradWeights = _arena.Floats("gradWeights", (long)edges * numel);
            var gradAct = _arena.Floats("gradAct", (long)edges * h);
            var gradH1 = _arena.Floats("gradH1", (long)edges * h);
            var gradIn = _arena.Floats(i % 2 == 0 ? "gradX.b" : "gradX.a", (long)atoms * inDim);
            if (edges > 0)
            {
                _k.GatherRows(edges * outDim, gradX, b.Target, gradMessages, outDim, (float)c.DegreeNorm);
                _tps[i].BackwardOnDevice(edges, xs, sh, weights, gradMessages, gradXs, default, gradWeights);
            }
            _k.SegmentSum(atoms * inDim, gradXs, b.OutOffsets, b.OutEdges, _residual[i] ? gradX : gradIn, gradIn, inDim, 1f, _residual[i] ? 1 : 0);
            // Radial MLP: weights = (silu(radial W1 / sqrt(basis)) * c) W2 / sqrt(h).
            _gemm.Run(h, numel, edges, act, true, gradWeights, false, Grad(_layout.RadialOut(i)), (float)(1 / Math.Sqrt(h)));
            _gemm.Run(edges, h, numel, gradWeights, false, Param(_layout.RadialOut(i)), true, gradAct, (float)(1 / Math.Sqrt(h)));
            if (edges > 0) _k.SiluBackward(edges * h, h1, gradAct, gradH1, (float)RadialMlp.SiluSecondMomentScale);
            _gemm.Run(c.Basis, h, edges, radial, true, gradH1, false, Grad(_layout.RadialIn(i)), (float)(1 / Math.Sqrt(c.Basis)));
            gradX = gradIn;
        }
        _k.EmbeddingGrad(c.AtomTypes * c.AtomDim, gradX, b.TypeOffsets, b.TypeAtoms, Grad(_layout.Embedding), c.AtomDim);
    }

    private ArrayView<float> Param(ParameterSlot slot) => _params.View.SubView(slot.Offset, slot.Count);
    private ArrayView<float> Grad(ParameterSlot slot) => _grads.View.SubView(slot.Offset, slot.Count);

    private static (AdamW.Options Options, List<AdamW.State> States) Inspect(AdamW optimizer)
    {
        var dict = optimizer.state_dict();
        if (dict.Options.Count != 1) throw new NotSupportedException($"the ILGPU model supports one AdamW parameter group, not {dict.Options.Count}");
        var options = (AdamW.Options)dict.Options[0];
        if (options.amsgrad == true || options.maximize == true) throw new NotSupportedException("the ILGPU model's AdamW has no amsgrad or maximize variant");
        var states = dict.State.Cast<AdamW.State>().ToList();
        if (states.Select(s => s.step).Distinct().Count() > 1) throw new NotSupportedException("AdamW parameters have different step counts; the ILGPU model keeps one");
        return (options, states);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tp in _tps) tp.Dispose();
        _arena.Dispose();
        _params.Dispose();
        _grads.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
    }

    private sealed record AdamWSettings(double LearningRate, double Beta1, double Beta2, double Eps, double WeightDecay);
}
