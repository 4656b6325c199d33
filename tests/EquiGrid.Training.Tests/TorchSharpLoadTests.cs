using TorchSharp;
using static TorchSharp.torch;

namespace EquiGrid.Training.Tests;

/// <summary>Proves the native TorchSharp library loads on this platform (see build/TorchSharpNativeFix.targets).</summary>
public class TorchSharpLoadTests
{
    [Fact]
    public void CreatesTensorAndRunsAutograd()
    {
        var x = torch.tensor(new double[] { 1.0, 2.0, 3.0 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        var g = x.grad!.data<double>().ToArray();
        Assert.Equal(new[] { 2.0, 4.0, 6.0 }, g);
    }
}
