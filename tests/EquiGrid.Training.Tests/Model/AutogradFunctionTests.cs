using EquiGrid.Kernels;
using EquiGrid.Training.Model;
using static TorchSharp.torch;

namespace EquiGrid.Training.Tests.Model;

public class AutogradFunctionTests
{
    [Fact]
    public void SphericalHarmonicsBackwardMatchesFiniteDifferences()
    {
        var lset = LSet.Of(0, 2, 5);
        manual_seed(7);
        var v = randn(5, 3, dtype: ScalarType.Float32).requires_grad_(true);
        var weights = randn(5, SphericalHarmonics.Dim(lset));
        var loss = (SphericalHarmonicsFunction.Apply(v, lset) * weights).sum();
        loss.backward();
        var analytic = v.grad!.data<float>().ToArray();
        var x = v.detach().clone();
        const float h = 1e-2f;
        for (int i = 0; i < 15; i++)
        {
            var plus = x.clone(); plus.view(-1)[i] += h;
            var minus = x.clone(); minus.view(-1)[i] -= h;
            double fp = (SphericalHarmonicsFunction.Apply(plus, lset) * weights).sum().item<float>();
            double fm = (SphericalHarmonicsFunction.Apply(minus, lset) * weights).sum().item<float>();
            double numeric = (fp - fm) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) < 2e-2 * (1 + Math.Abs(numeric)), $"component {i}: numeric {numeric} analytic {analytic[i]}");
        }
    }

    [Fact]
    public void TensorProductFunctionMatchesTorchReferenceIncludingGradients()
    {
        var tp = TensorProduct.FullyConnected(Irreps.Parse("3x0e+3x3o+3x4e"), Irreps.Parse("0e+3o+4e"), Irreps.Parse("3x0e+3x3o+3x4e"));
        manual_seed(9);
        var x1 = randn(7, tp.IrrepsIn1.Dim).requires_grad_(true);
        var x2 = randn(7, tp.IrrepsIn2.Dim).requires_grad_(true);
        var w = randn(7, tp.WeightNumel).requires_grad_(true);
        var g = randn(7, tp.IrrepsOut.Dim);

        var outK = TensorProductFunction.Apply(tp, x1, x2, w);
        (outK * g).sum().backward();
        var grads = new[] { x1.grad!.clone(), x2.grad!.clone(), w.grad!.clone() };
        x1.grad!.zero_(); x2.grad!.zero_(); w.grad!.zero_();
        var outR = TorchTensorProduct.Apply(tp, x1, x2, w);
        (outR * g).sum().backward();
        var refs = new[] { x1.grad!, x2.grad!, w.grad! };

        Assert.True((outK - outR).abs().max().item<float>() < 1e-4f);
        for (int i = 0; i < 3; i++)
            Assert.True((grads[i] - refs[i]).abs().max().item<float>() < 1e-3f, $"gradient {i} differs");
    }
}
