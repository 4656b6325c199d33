using EquiGrid.Kernels;
using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>
/// One interaction block: a fully connected tensor product x[src] (x) Y(r) -> output irreps with per-edge weights from
/// the radial MLP, summed into the destination atom and divided by the degree norm. No gate, no bias.
/// </summary>
public sealed class InteractionBlock : nn.Module
{
    private readonly RadialMlp _mlp;
    private readonly double _degreeNorm;

    /// <summary>Creates the block and its radial network.</summary>
    public InteractionBlock(string name, Irreps irrepsIn, Irreps shIrreps, Irreps irrepsOut, int basis, int hidden, double degreeNorm) : base(name)
    {
        TensorProduct = Kernels.TensorProduct.FullyConnected(irrepsIn, shIrreps, irrepsOut);
        _mlp = new RadialMlp(basis, hidden, TensorProduct.WeightNumel);
        _degreeNorm = degreeNorm;
        RegisterComponents();
    }

    /// <summary>The block's tensor product (instructions, weight layout).</summary>
    public TensorProduct TensorProduct { get; }

    /// <summary>True when input and output irreps agree, so the block adds a residual connection.</summary>
    public bool HasResidual => TensorProduct.IrrepsIn1.Equals(TensorProduct.IrrepsOut);

    /// <summary>Node features [A, in.Dim] -> [A, out.Dim] (residual included when shapes match).</summary>
    public Tensor Forward(Tensor x, EdgeFeatures edges, bool useKernels)
    {
        using var scope = NewDisposeScope();
        var weights = _mlp.Forward(edges.Radial);
        var xs = x.index_select(0, edges.Source);
        var messages = useKernels
            ? TensorProductFunction.Apply(TensorProduct, xs, edges.Sh, weights)
            : TorchTensorProduct.Apply(TensorProduct, xs, edges.Sh, weights);
        var aggregated = zeros(x.shape[0], TensorProduct.IrrepsOut.Dim, dtype: x.dtype).index_add_(0, edges.Target, messages, 1.0) / _degreeNorm;
        var result = HasResidual ? x + aggregated : aggregated;
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>Per-edge inputs shared by all blocks of one forward pass.</summary>
/// <param name="Source">Edge source atom indices (int64).</param>
/// <param name="Target">Edge destination atom indices (int64).</param>
/// <param name="Sh">Spherical harmonics of the edge vectors [E, sh.Dim].</param>
/// <param name="Radial">Radial basis [E, basis].</param>
public sealed record EdgeFeatures(Tensor Source, Tensor Target, Tensor Sh, Tensor Radial);
