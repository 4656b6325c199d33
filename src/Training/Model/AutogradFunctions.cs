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
        using var timing = StepProfiler.Time(StepProfiler.Part.TensorProduct);
        tp.Backward(TensorSpans.Floats(x1), TensorSpans.Floats(x2), TensorSpans.Floats(w), TensorSpans.Floats(g),
            TensorSpans.Floats(gx1), TensorSpans.Floats(gx2), TensorSpans.Floats(gw));
        return new List<Tensor> { gx1, gx2, gw, null! }; // one entry per argument of apply
    }
}
