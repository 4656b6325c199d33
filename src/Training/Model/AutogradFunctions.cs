using EquiGrid.Kernels;
using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>
/// Spherical harmonics of edge vectors as a TorchSharp autograd function: forward and the vector-Jacobian product
/// come from the Kernels' generated direct polynomials ("integral" normalisation, normalised input).
/// </summary>
internal sealed class SphericalHarmonicsFunction : autograd.SingleTensorFunction<SphericalHarmonicsFunction>
{
    public override string Name => "EquiGridSphericalHarmonics";

    /// <summary>Applies Y(r/|r|) for every row of <paramref name="vectors"/> [E,3].</summary>
    public static Tensor Apply(Tensor vectors, LSet lset, ShNormalization normalization = ShNormalization.Integral) =>
        apply(vectors, lset, normalization);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var vectors = ((Tensor)vars[0]).contiguous();
        var lset = (LSet)vars[1];
        var normalization = (ShNormalization)vars[2];
        long rows = vectors.shape[0];
        var output = empty(rows, SphericalHarmonics.Dim(lset), dtype: ScalarType.Float32);
        using var timing = StepProfiler.Time(StepProfiler.Part.SphericalHarmonics);
        SphericalHarmonics.Forward(lset, TensorSpans.Floats(vectors), TensorSpans.Floats(output), normalization, normalizeInput: true);
        ctx.save_for_backward(new List<Tensor> { vectors });
        ctx.save_data("lset", lset);
        ctx.save_data("normalization", normalization);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var vectors = ctx.get_saved_variables()[0];
        var lset = (LSet)ctx.get_data("lset");
        var normalization = (ShNormalization)ctx.get_data("normalization");
        var grad = gradOutput.contiguous();
        var gradVectors = zeros_like(vectors);
        using var timing = StepProfiler.Time(StepProfiler.Part.SphericalHarmonics);
        SphericalHarmonics.Backward(lset, TensorSpans.Floats(vectors), TensorSpans.Floats(grad), TensorSpans.Floats(gradVectors), normalization, normalizeInput: true);
        return new List<Tensor> { gradVectors, null!, null! }; // one entry per argument of apply; non-tensors get none
    }
}

/// <summary>
/// The fully connected tensor product with per-row weights as a TorchSharp autograd function, running the Kernels'
/// sparse vectorised CPU kernel forward and backward (gradients for both inputs and the weights).
/// </summary>
internal sealed class TensorProductFunction : autograd.SingleTensorFunction<TensorProductFunction>
{
    public override string Name => "EquiGridTensorProduct";

    /// <summary>out[e] = TP(x1[e], x2[e]; w[e]) for every row e.</summary>
    public static Tensor Apply(TensorProduct tp, Tensor x1, Tensor x2, Tensor weights) => apply(x1, x2, weights, tp);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x1 = ((Tensor)vars[0]).contiguous();
        var x2 = ((Tensor)vars[1]).contiguous();
        var w = ((Tensor)vars[2]).contiguous();
        var tp = (TensorProduct)vars[3];
        var output = empty(x1.shape[0], tp.IrrepsOut.Dim, dtype: ScalarType.Float32);
        using var timing = StepProfiler.Time(StepProfiler.Part.TensorProduct);
        tp.Forward(TensorSpans.Floats(x1), TensorSpans.Floats(x2), TensorSpans.Floats(w), TensorSpans.Floats(output));
        ctx.save_for_backward(new List<Tensor> { x1, x2, w });
        ctx.save_data("tp", tp);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        Tensor x1 = saved[0], x2 = saved[1], w = saved[2];
        var tp = (TensorProduct)ctx.get_data("tp");
        var g = gradOutput.contiguous();
        var gx1 = zeros_like(x1);
        var gx2 = zeros_like(x2);
        var gw = zeros_like(w);
        using var timing = StepProfiler.Time(StepProfiler.Part.TensorProductBackward);
        tp.Backward(TensorSpans.Floats(x1), TensorSpans.Floats(x2), TensorSpans.Floats(w), TensorSpans.Floats(g),
            TensorSpans.Floats(gx1), TensorSpans.Floats(gx2), TensorSpans.Floats(gw));
        return new List<Tensor> { gx1, gx2, gw, null! }; // one entry per argument of apply
    }
}

/// <summary>
/// Message passing of one interaction block as a TorchSharp autograd function on the Kernels' fused CPU kernel:
/// <c>out[n] = sum over edges e into n of TP(x[src e], Y[e]; s * h[e] W)</c>. The per-edge tensor-product weights
/// (the radial MLP's last layer) are generated tile by tile inside the kernel and again in backward, never
/// materialised; the gather from the source and the sum into the target happen in the kernel.
/// </summary>
internal sealed class FusedMessageFunction : autograd.SingleTensorFunction<FusedMessageFunction>
{
    public override string Name => "EquiGridFusedMessages";

    /// <summary>Messages summed per target node [nodes, out.Dim].</summary>
    /// <param name="kernel">The block's fused kernel.</param>
    /// <param name="edges">Source/target index of the batch's edges.</param>
    /// <param name="x">Node features [nodes, in1.Dim].</param>
    /// <param name="sh">Edge spherical harmonics [edges, in2.Dim].</param>
    /// <param name="features">Hidden radial features [edges, depth] (the MLP's last activations).</param>
    /// <param name="weightMatrix">The MLP's last weight matrix [depth, WeightNumel].</param>
    /// <param name="scale">The scale applied to that layer's output.</param>
    public static Tensor Apply(FusedEdgeTensorProduct kernel, EdgeIndex edges, Tensor x, Tensor sh, Tensor features, Tensor weightMatrix, double scale) =>
        apply(x, sh, features, weightMatrix, kernel, edges, scale);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = ((Tensor)vars[0]).contiguous();
        var sh = ((Tensor)vars[1]).contiguous();
        var features = ((Tensor)vars[2]).contiguous();
        var weightMatrix = ((Tensor)vars[3]).contiguous();
        var kernel = (FusedEdgeTensorProduct)vars[4];
        var edges = (EdgeIndex)vars[5];
        float scale = (float)(double)vars[6];
        var output = empty(edges.NodeCount, kernel.TensorProduct.IrrepsOut.Dim, dtype: ScalarType.Float32);
        using (StepProfiler.Time(StepProfiler.Part.MessagesForward))
            kernel.Forward(TensorSpans.Floats(x), TensorSpans.Floats(sh), TensorSpans.Floats(features), TensorSpans.Floats(weightMatrix),
                scale, edges, TensorSpans.Floats(output));
        ctx.save_for_backward(new List<Tensor> { x, sh, features, weightMatrix });
        ctx.save_data("kernel", kernel);
        ctx.save_data("edges", edges);
        ctx.save_data("scale", scale);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        Tensor x = saved[0], sh = saved[1], features = saved[2], weightMatrix = saved[3];
        var kernel = (FusedEdgeTensorProduct)ctx.get_data("kernel");
        var edges = (EdgeIndex)ctx.get_data("edges");
        float scale = (float)ctx.get_data("scale");
        var g = gradOutput.contiguous();
        var gx = empty_like(x);
        var gsh = empty_like(sh);
        var gFeatures = empty_like(features);
        var gWeights = empty_like(weightMatrix);
        using (StepProfiler.Time(StepProfiler.Part.MessagesBackward))
            kernel.Backward(TensorSpans.Floats(x), TensorSpans.Floats(sh), TensorSpans.Floats(features), TensorSpans.Floats(weightMatrix), scale, edges,
                TensorSpans.Floats(g), TensorSpans.Floats(gx), TensorSpans.Floats(gsh), TensorSpans.Floats(gFeatures), TensorSpans.Floats(gWeights));
        return new List<Tensor> { gx, gsh, gFeatures, gWeights, null!, null!, null! }; // one entry per argument of apply
    }
}
