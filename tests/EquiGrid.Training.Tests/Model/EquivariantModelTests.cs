using EquiGrid.Kernels;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiGrid.Training.Tests.Model;

public class EquivariantModelTests
{
    private static EquivariantModel Build(string lset, int hidden, int seed = 1, int layers = 3)
    {
        torch.manual_seed(seed);
        return new EquivariantModel(new ModelConfig { LSet = LSet.Parse(lset), Hidden = hidden, Layers = layers });
    }

    [Fact]
    public void ParameterCountMatchesTheReferenceStudy()
    {
        using var model = Build("0,1,2", 32);
        Assert.Equal(1_648_034, model.ParameterCount);
    }

    [Theory]
    [InlineData("0,3,4,5,6", 16)]
    [InlineData("0,1,2,3,4", 16)]
    public void ParameterCountFollowsTheArchitecture(string lset, int h)
    {
        using var model = Build(lset, h);
        var config = model.Config;
        long expected = 100 * 64 + h + 2;
        foreach (var block in model.Blocks) expected += 20 * h + (long)h * block.TensorProduct.WeightNumel;
        Assert.Equal(expected, model.ParameterCount);
        Assert.Equal(config.Layers + 2, model.Blocks.Count);
    }

    [Fact]
    public void KernelPathMatchesTorchReferenceForwardAndGradients()
    {
        var batch = SyntheticMolecules.Batch(SyntheticMolecules.Create(6, seed: 3));
        using var model = Build("0,1,3", 4, layers: 1);
        var gradsKernel = LossGradients(model, batch, useKernels: true, out float lossKernel);
        var gradsRef = LossGradients(model, batch, useKernels: false, out float lossRef);
        Assert.Equal(lossRef, lossKernel, 4);
        for (int i = 0; i < gradsKernel.Count; i++)
        {
            var diff = (gradsKernel[i] - gradsRef[i]).abs().max().item<float>();
            var scale = gradsRef[i].abs().max().item<float>() + 1e-6f;
            Assert.True(diff / scale < 1e-3, $"parameter {i}: relative gradient difference {diff / scale}");
        }
    }

    [Theory]
    [InlineData("0,1,2", 4)]
    [InlineData("0,3,4,5,6", 2)]
    public void FusedMessagePassingMatchesMaterialisedWeightsForwardAndEveryGradient(string lset, int hidden)
    {
        var batch = SyntheticMolecules.Batch(SyntheticMolecules.Create(5, seed: 11));
        using var model = Build(lset, hidden, layers: 1);
        model.FuseMessages = true;
        var fused = LossGradients(model, batch, useKernels: true, out float lossFused);
        model.FuseMessages = false;
        var unfused = LossGradients(model, batch, useKernels: true, out float lossUnfused);
        model.FuseMessages = true;
        Assert.True(Math.Abs(lossFused - lossUnfused) <= 1e-5 * Math.Abs(lossUnfused), $"loss {lossFused} vs {lossUnfused}");
        var names = model.named_parameters().Select(p => p.name).ToList();
        for (int i = 0; i < fused.Count; i++)
        {
            var diff = (fused[i] - unfused[i]).abs().max().item<float>();
            var scale = unfused[i].abs().max().item<float>();
            Assert.True(scale > 0 || names[i].Contains("final"), $"{names[i]}: zero gradient, the comparison would prove nothing");
            Assert.True(diff <= 1e-4 * scale + 1e-7, $"{names[i]}: fused and materialised gradients differ by {diff} (largest {scale})");
        }
    }

    [Fact]
    public void PredictionIsInvariantUnderRotationTranslationAndPermutation()
    {
        var molecules = SyntheticMolecules.Create(4, seed: 5);
        using var model = Build("0,1,2,4", 4, layers: 1);
        using var _ = no_grad();
        var baseline = model.Forward(SyntheticMolecules.Batch(molecules)).data<float>().ToArray();

        var rng = new Random(11);
        var r = RandomRotation(rng);
        var moved = molecules.Select(m =>
        {
            var p = new float[m.Positions.Length];
            for (int i = 0; i < m.AtomCount; i++)
                for (int a = 0; a < 3; a++)
                    p[i * 3 + a] = (float)(r[a, 0] * m.Positions[i * 3] + r[a, 1] * m.Positions[i * 3 + 1] + r[a, 2] * m.Positions[i * 3 + 2] + 1.5 * (a + 1));
            return m with { Positions = p };
        }).ToList();
        var rotated = model.Forward(SyntheticMolecules.Batch(moved)).data<float>().ToArray();

        var permuted = molecules.Select(m =>
        {
            var order = Enumerable.Range(0, m.AtomCount).Reverse().ToArray();
            return m with
            {
                AtomicNumbers = order.Select(i => m.AtomicNumbers[i]).ToArray(),
                Positions = order.SelectMany(i => new[] { m.Positions[i * 3], m.Positions[i * 3 + 1], m.Positions[i * 3 + 2] }).ToArray(),
            };
        }).ToList();
        var perm = model.Forward(SyntheticMolecules.Batch(permuted)).data<float>().ToArray();

        for (int i = 0; i < baseline.Length; i++)
        {
            Assert.Equal(baseline[i], rotated[i], 3);
            Assert.Equal(baseline[i], perm[i], 3);
        }
    }

    [Fact]
    public void LSetWithoutScalarsIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelConfig { LSet = LSet.Parse("1,2"), Hidden = 4 }.Validate());
        Assert.Contains("order 0", e.Message);
    }

    private static List<Tensor> LossGradients(EquivariantModel model, GraphBatch batch, bool useKernels, out float loss)
    {
        model.UseKernels = useKernels;
        model.zero_grad();
        var target = tensor(batch.Targets);
        var l = nn.functional.mse_loss(model.Forward(batch), target);
        l.backward();
        loss = l.item<float>();
        return model.parameters().Select(p => p.grad!.clone()).ToList();
    }

    internal static double[,] RandomRotation(Random rng)
    {
        // Random unit quaternion -> rotation matrix.
        double a = Gauss(rng), b = Gauss(rng), c = Gauss(rng), d = Gauss(rng);
        double n = Math.Sqrt(a * a + b * b + c * c + d * d);
        a /= n; b /= n; c /= n; d /= n;
        return new[,]
        {
            { a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c) },
            { 2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b) },
            { 2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d },
        };
    }

    private static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
