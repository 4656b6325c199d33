using EquiGrid.Kernels;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using EquiGrid.Training.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiGrid.Training.Gpu.Tests;

/// <summary>
/// The ILGPU model against the TorchSharp model (whatever main's TorchSharp path computes) on small random molecules:
/// same initial weights, then predictions, the loss, every parameter's gradient and several AdamW steps must agree
/// to float32 tolerance.
/// </summary>
[Collection(AcceleratorCollection.Name)]
public class ModelEquivalenceTests(AcceleratorFixture fixture)
{
    // Two L-sets: a contiguous one, and one with a gap and high orders (the reference study's best model), both small.
    public static TheoryData<string, int> Configs => new() { { "0,1,2", 4 }, { "0,3,4", 2 } };

    private static (EquivariantModel Model, GraphBatch Batch) Setup(string lset, int hidden, int seed = 3)
    {
        torch.set_num_threads(1);
        torch.manual_seed(seed);
        var model = new EquivariantModel(new ModelConfig { LSet = LSet.Parse(lset), Hidden = hidden, Layers = 1, AtomDim = 8, Basis = 6 });
        var batch = SyntheticMolecules.Batch(SyntheticMolecules.Create(3, seed: 11, minAtoms: 3, maxAtoms: 5));
        Assert.InRange(batch.EdgeCount, 1, 40); // ILGPU's CPU accelerator simulates every GPU thread: keep the graphs tiny
        return (model, batch);
    }

    [Theory, MemberData(nameof(Configs))]
    public void PredictionsMatchTheTorchSharpModel(string lset, int hidden)
    {
        var (model, batch) = Setup(lset, hidden);
        float[] expected;
        using (no_grad()) expected = model.Forward(batch).data<float>().ToArray();
        using var gpu = new IlgpuModel(model, fixture.Accelerator);
        var actual = gpu.Predict(batch);
        AssertClose(expected, actual, 2e-5, "prediction");
        Assert.Contains(expected, v => Math.Abs(v) > 1e-3); // a vacuous all-zero match would prove nothing
    }

    [Theory, MemberData(nameof(Configs))]
    public void LossAndEveryGradientMatchTheTorchSharpModel(string lset, int hidden)
    {
        var (model, batch) = Setup(lset, hidden);
        var loss = nn.functional.mse_loss(model.Forward(batch), tensor(batch.Targets));
        loss.backward();
        using var gpu = new IlgpuModel(model, fixture.Accelerator);
        double gpuLoss = gpu.ComputeGradients(batch);
        Assert.Equal(loss.item<float>(), gpuLoss, 1e-5 * Math.Max(1, Math.Abs(gpuLoss)));

        var grads = gpu.GradientsToHost();
        var parameters = model.named_parameters().ToList();
        Assert.Equal(parameters.Count, gpu.Layout.Slots.Count);
        foreach (var (slot, (name, p)) in gpu.Layout.Slots.Zip(parameters))
        {
            var expected = p.grad!.contiguous().data<float>().ToArray();
            AssertClose(expected, grads.AsSpan((int)slot.Offset, (int)slot.Count).ToArray(), 1e-4, $"gradient of {name}");
        }
    }

    [Theory, MemberData(nameof(Configs))]
    public void AdamWStepsMatchTorchSharpsAdamW(string lset, int hidden)
    {
        var (model, batch) = Setup(lset, hidden);
        var optimizer = torch.optim.AdamW(model.parameters(), lr: 1e-2, weight_decay: 0);
        using var gpu = new IlgpuModel(model, fixture.Accelerator);
        gpu.LoadOptimizerState(optimizer);
        for (int step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.Forward(batch), tensor(batch.Targets));
            loss.backward();
            optimizer.step();
            double gpuLoss = gpu.ComputeGradients(batch);
            gpu.OptimizerStep();
            Assert.Equal(loss.item<float>(), gpuLoss, 1e-4 * Math.Max(1, Math.Abs(gpuLoss)));
        }
        var weights = gpu.ParametersToHost();
        foreach (var (slot, (name, p)) in gpu.Layout.Slots.Zip(model.named_parameters()))
            AssertClose(p.detach().contiguous().data<float>().ToArray(), weights.AsSpan((int)slot.Offset, (int)slot.Count).ToArray(), 1e-4, $"weights {name} after 3 steps");

        // The optimiser state goes back into TorchSharp's AdamW unchanged in meaning.
        var other = new EquivariantModel(model.Config);
        var otherOptimizer = torch.optim.AdamW(other.parameters(), lr: 1e-2, weight_decay: 0);
        gpu.StoreParameters(other);
        gpu.StoreOptimizerState(otherOptimizer);
        var states = optimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().ToList();
        var stored = otherOptimizer.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().ToList();
        for (int i = 0; i < states.Count; i++)
        {
            Assert.Equal(states[i].step, stored[i].step);
            AssertClose(states[i].exp_avg.data<float>().ToArray(), stored[i].exp_avg.data<float>().ToArray(), 1e-4, "exp_avg");
            AssertClose(states[i].exp_avg_sq.data<float>().ToArray(), stored[i].exp_avg_sq.data<float>().ToArray(), 1e-4, "exp_avg_sq");
        }
    }

    [Fact]
    public void ABatchWithoutEdgesStillPredictsFromTheEmbedding()
    {
        var (model, _) = Setup("0,1", 2);
        var lone = new List<Molecule> { SyntheticMolecules.Create(1, seed: 4, minAtoms: 1, maxAtoms: 1)[0] };
        var batch = GraphBatch.Collate(lone, new[] { new MoleculeGraph(Array.Empty<int>(), Array.Empty<int>()) }, new TargetNormalizer());
        float[] expected;
        using (no_grad()) expected = model.Forward(batch).data<float>().ToArray();
        using var gpu = new IlgpuModel(model, fixture.Accelerator);
        AssertClose(expected, gpu.Predict(batch), 2e-5, "prediction without edges");
    }

    /// <summary>Max-norm closeness relative to the expected tensor's largest entry (float32 sums in different orders).</summary>
    internal static void AssertClose(float[] expected, float[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        Assert.True(worst <= relative * scale, $"{what}: max |diff| {worst:E3} at {at} (expected {expected[Math.Max(0, at)]}, got {actual[Math.Max(0, at)]}) exceeds {relative:E1} x {scale:E3}");
    }
}
