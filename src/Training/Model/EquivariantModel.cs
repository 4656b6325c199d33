using EquiGrid.Kernels;
using EquiGrid.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>
/// The study's equivariant graph network (science.md): atom embedding 100x64 -> one initial interaction block into
/// the hidden irreps -> num_layers + 1 hidden blocks with residuals -> equivariant linear readout of the scalars,
/// summed per molecule -> Linear(1,1). Predicts normalised U0 atomization energies.
/// </summary>
public sealed class EquivariantModel : nn.Module
{
    private readonly Embedding _embedding;
    private readonly ModuleList<InteractionBlock> _blocks;
    private readonly Parameter _readout;
    private readonly Linear _final;

    /// <summary>Builds the model; parameters are drawn from torch's global generator (seed it first).</summary>
    public EquivariantModel(ModelConfig config) : base("equivariant_model")
    {
        config.Validate();
        Config = config;
        _embedding = nn.Embedding(config.AtomTypes, config.AtomDim);
        var blocks = new List<InteractionBlock>
        {
            new("block0", config.EmbeddingIrreps, config.ShIrreps, config.HiddenIrreps, config.Basis, config.Hidden, config.DegreeNorm),
        };
        for (int i = 1; i <= config.Layers + 1; i++)
            blocks.Add(new InteractionBlock($"block{i}", config.HiddenIrreps, config.ShIrreps, config.HiddenIrreps, config.Basis, config.Hidden, config.DegreeNorm));
        _blocks = nn.ModuleList(blocks.ToArray());
        _readout = new Parameter(randn(config.Hidden));
        _final = nn.Linear(1, 1, hasBias: true);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The interaction blocks in order (block 0 is the initial one).</summary>
    public IReadOnlyList<InteractionBlock> Blocks => _blocks.ToList();

    /// <summary>
    /// When true (default) the spherical harmonics and tensor products run on the Kernels through custom autograd
    /// functions; when false on plain TorchSharp ops (the reference implementation).
    /// </summary>
    public bool UseKernels { get; set; } = true;

    /// <summary>
    /// With kernels: true (default) runs each block's message passing in the fused kernel (per-edge weights generated
    /// in cache-sized tiles, never materialised); false materialises the per-edge weights first (same mathematics).
    /// </summary>
    public bool FuseMessages { get; set; } = true;

    /// <summary>Worker threads of every block's kernels (default: every core); results do not depend on it.</summary>
    public int KernelThreads
    {
        get => _blocks[0].KernelThreads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "kernel threads must be >= 1");
            foreach (var block in _blocks) block.KernelThreads = value;
        }
    }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Predicted normalised energy per molecule [M].</summary>
    public Tensor Forward(GraphBatch batch) => ForwardDetailed(batch, ablation: null).Prediction;

    /// <summary>
    /// Forward pass that also returns the final node features and, when <paramref name="ablation"/> is given, zeroes
    /// the features of one irrep order after one block (for the per-layer utilisation analysis).
    /// </summary>
    public ModelOutput ForwardDetailed(GraphBatch batch, IrrepAblation? ablation)
    {
        using var scope = NewDisposeScope();
        var edges = EdgeInputs(batch);
        var z = tensor(batch.AtomicNumbers.Select(a => (long)a).ToArray());
        var x = _embedding.forward(z);
        var perBlock = new List<Tensor>();
        for (int b = 0; b < _blocks.Count; b++)
        {
            x = _blocks[b].Forward(x, edges, UseKernels, FuseMessages);
            if (ablation is not null && ablation.Block == b) x = ZeroOrder(x, ablation.L);
            perBlock.Add(x);
        }
        var prediction = Readout(x, batch);
        foreach (var t in perBlock) t.MoveToOuterDisposeScope();
        return new ModelOutput(prediction.MoveToOuterDisposeScope(), x, perBlock);
    }

    /// <summary>Readout: equivariant linear map to 1x0e on the h scalar channels, summed per molecule, then Linear(1,1).</summary>
    public Tensor Readout(Tensor nodeFeatures, GraphBatch batch)
    {
        var scalars = nodeFeatures.narrow(1, 0, Config.Hidden); // the 0e block comes first: orders are ascending
        var perAtom = scalars.matmul(_readout) / Math.Sqrt(Config.Hidden);
        var batchIndex = tensor(batch.AtomToMolecule.Select(a => (long)a).ToArray());
        var perMolecule = zeros(batch.MoleculeCount, dtype: perAtom.dtype).index_add_(0, batchIndex, perAtom, 1.0);
        return _final.forward(perMolecule.unsqueeze(1)).squeeze(1);
    }

    /// <summary>Per-molecule graph embedding: the sum of final node features over each molecule's atoms [M, hidden.Dim].</summary>
    public static Tensor GraphEmbedding(Tensor nodeFeatures, GraphBatch batch)
    {
        var batchIndex = tensor(batch.AtomToMolecule.Select(a => (long)a).ToArray());
        return zeros(batch.MoleculeCount, nodeFeatures.shape[1], dtype: nodeFeatures.dtype).index_add_(0, batchIndex, nodeFeatures, 1.0);
    }

    private Tensor ZeroOrder(Tensor x, int l)
    {
        var irreps = Config.HiddenIrreps;
        var mask = ones(irreps.Dim, dtype: x.dtype);
        for (int i = 0; i < irreps.Count; i++)
            if (irreps[i].Irrep.L == l)
            {
                var (start, length) = irreps.Slice(i);
                mask.narrow(0, start, length).zero_();
            }
        return x * mask;
    }

    private EdgeFeatures EdgeInputs(GraphBatch batch)
    {
        var pos = tensor(batch.Positions, new long[] { batch.AtomCount, 3 });
        var src = tensor(batch.Source.Select(a => (long)a).ToArray());
        var dst = tensor(batch.Target.Select(a => (long)a).ToArray());
        var index = new EdgeIndex(batch.Source, batch.Target, batch.AtomCount);
        var vectors = pos.index_select(0, src) - pos.index_select(0, dst);
        var sh = UseKernels
            ? SphericalHarmonicsFunction.Apply(vectors, Config.LSet)
            : ShFromKernelsConstant(vectors);
        var radial = BesselBasis.Compute(vectors.norm(1), Config.Basis, Config.Cutoff);
        return new EdgeFeatures(src, dst, sh, radial, index);
    }

    // The reference path evaluates the same polynomials but as a constant (no custom autograd): positions need no
    // gradient for energy training, so both paths give identical parameter gradients.
    private Tensor ShFromKernelsConstant(Tensor vectors)
    {
        using var noGrad = no_grad();
        return SphericalHarmonicsFunction.Apply(vectors.detach(), Config.LSet).detach();
    }
}

/// <summary>Zero the features of order <paramref name="L"/> after block <paramref name="Block"/>.</summary>
public sealed record IrrepAblation(int Block, int L);

/// <summary>Prediction per molecule, the final node features and the node features after every block.</summary>
public sealed record ModelOutput(Tensor Prediction, Tensor NodeFeatures, IReadOnlyList<Tensor> BlockFeatures);
