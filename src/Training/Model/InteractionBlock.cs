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
    private readonly FusedEdgeTensorProduct _fused;

    /// <summary>Creates the block and its radial network.</summary>
    public InteractionBlock(string name, Irreps irrepsIn, Irreps shIrreps, Irreps irrepsOut, int basis, int hidden, double degreeNorm) : base(name)
    {
        TensorProduct = Kernels.TensorProduct.FullyConnected(irrepsIn, shIrreps, irrepsOut);
        _mlp = new RadialMlp(basis, hidden, TensorProduct.WeightNumel);
        _fused = new FusedEdgeTensorProduct(TensorProduct, hidden);
        _degreeNorm = degreeNorm;
        RegisterComponents();
    }

    /// <summary>The block's tensor product (instructions, weight layout).</summary>
    public TensorProduct TensorProduct { get; }

    /// <summary>Worker threads of the block's kernels.</summary>
    public int KernelThreads
    {
        get => _fused.MaxDegreeOfParallelism;
        set => _fused.MaxDegreeOfParallelism = TensorProduct.MaxDegreeOfParallelism = value;
    }

    /// <summary>True when input and output irreps agree, so the block adds a residual connection.</summary>
    public bool HasResidual => TensorProduct.IrrepsIn1.Equals(TensorProduct.IrrepsOut);

    /// <summary>Node features [A, in.Dim] -> [A, out.Dim] (residual included when shapes match).</summary>
    /// <param name="x">Node features.</param>
    /// <param name="edges">The batch's edge inputs.</param>
    /// <param name="useKernels">False: plain TorchSharp ops throughout (the reference implementation).</param>
    /// <param name="fuse">With kernels: true (default) runs weight generation, tensor product, gather and sum in one
    /// fused kernel; false materialises the per-edge weights and runs the tensor-product kernel on them (same
    /// mathematics, kept for comparison).</param>
    public Tensor Forward(Tensor x, EdgeFeatures edges, bool useKernels, bool fuse = true)
    {
        using var scope = NewDisposeScope();
        Tensor aggregated;
        if (useKernels && fuse)
        {
            var index = edges.Index ?? new EdgeIndex(ToInts(edges.Source), ToInts(edges.Target), (int)x.shape[0]);
            aggregated = FusedMessageFunction.Apply(_fused, index, x, edges.Sh, _mlp.Hidden(edges.Radial), _mlp.OutputWeights, _mlp.OutputScale);
        }
        else
        {
            Tensor weights;
            using (StepProfiler.Time(StepProfiler.Part.RadialMlp)) weights = _mlp.Forward(edges.Radial);
            var xs = x.index_select(0, edges.Source);
            var messages = useKernels
                ? TensorProductFunction.Apply(TensorProduct, xs, edges.Sh, weights)
                : TorchTensorProduct.Apply(TensorProduct, xs, edges.Sh, weights);
            aggregated = zeros(x.shape[0], TensorProduct.IrrepsOut.Dim, dtype: x.dtype).index_add_(0, edges.Target, messages, 1.0);
        }
        aggregated = aggregated / _degreeNorm;
        var result = HasResidual ? x + aggregated : aggregated;
        return result.MoveToOuterDisposeScope();
    }

    private static int[] ToInts(Tensor indices) => indices.data<long>().Select(i => (int)i).ToArray();
}

/// <summary>Per-edge inputs shared by all blocks of one forward pass.</summary>
/// <param name="Source">Edge source atom indices (int64).</param>
/// <param name="Target">Edge destination atom indices (int64).</param>
/// <param name="Sh">Spherical harmonics of the edge vectors [E, sh.Dim].</param>
/// <param name="Radial">Radial basis [E, basis].</param>
/// <param name="Index">The same source/target indices grouped for the fused kernel (built from the tensors when absent).</param>
public sealed record EdgeFeatures(Tensor Source, Tensor Target, Tensor Sh, Tensor Radial, EdgeIndex? Index = null);
