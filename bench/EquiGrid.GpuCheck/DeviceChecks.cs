using EquiGrid.Contracts;
using EquiGrid.Kernels;
using EquiGrid.Training;
using EquiGrid.Training.Data;
using EquiGrid.Training.Gpu;
using EquiGrid.Training.Model;

namespace EquiGrid.GpuCheck;

/// <summary>
/// The equivalence checks run on the device: the ILGPU kernels against the CPU kernels, and the ILGPU model on the
/// device against the same model on ILGPU's CPU accelerator (which the test suite holds equal to the TorchSharp model),
/// so the chain device = CPU accelerator = TorchSharp needs no libtorch on the GPU node.
/// </summary>
internal static class DeviceChecks
{
    private const double Tolerance = 1e-4; // relative to the largest reference value: float32 sums in other orders

    private static readonly Lazy<TrainingData> Data = new(() => TrialData.Load(new TrialSpec { LSet = "0", Hidden = 1 }));

    /// <summary>The shipped QM9 subset with bond graphs (shared by the checks and the bench).</summary>
    public static TrainingData Molecules => Data.Value;

    public static bool Kernels(KernelAccelerator device)
    {
        var rng = new Random(7);
        var lset = LSet.Parse("0,1,2,3,4,5,6");
        int n = 4096;
        var xyz = Normal(rng, 3 * n);
        var expected = new float[n * SphericalHarmonics.Dim(lset)];
        var actual = new float[expected.Length];
        SphericalHarmonics.Forward(lset, xyz, expected, ShNormalization.Integral);
        new IlgpuSphericalHarmonics(device).Forward(lset, xyz, actual, ShNormalization.Integral);
        bool ok = Report("kernels: spherical harmonics l<=6 forward", expected, actual);

        var hidden = Irreps.Hidden(LSet.Parse("0,1,2"), 8);
        var tp = TensorProduct.FullyConnected(hidden, Irreps.SphericalHarmonics(LSet.Parse("0,1,2")), hidden);
        int rows = 512;
        var x1 = Normal(rng, rows * hidden.Dim);
        var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim);
        var w = Normal(rng, rows * tp.WeightNumel);
        var g = Normal(rng, rows * hidden.Dim);
        var (outC, outG) = (new float[rows * hidden.Dim], new float[rows * hidden.Dim]);
        var (g1C, g1G) = (new float[x1.Length], new float[x1.Length]);
        var (g2C, g2G) = (new float[x2.Length], new float[x2.Length]);
        var (gwC, gwG) = (new float[w.Length], new float[w.Length]);
        tp.Forward(x1, x2, w, outC);
        tp.Backward(x1, x2, w, g, g1C, g2C, gwC);
        using (var ilgpu = new IlgpuTensorProduct(tp, device))
        {
            ilgpu.Forward(x1, x2, w, outG);
            ilgpu.Backward(x1, x2, w, g, g1G, g2G, gwG);
        }
        ok &= Report("kernels: tensor product forward", outC, outG);
        ok &= Report("kernels: tensor product dL/dx1", g1C, g1G);
        ok &= Report("kernels: tensor product dL/dx2", g2C, g2G);
        ok &= Report("kernels: tensor product dL/dW", gwC, gwG);
        return ok;
    }

    public static bool Model(KernelAccelerator device, KernelAccelerator reference, string lset, int hidden)
    {
        var config = new ModelConfig { LSet = LSet.Parse(lset), Hidden = hidden, Layers = 1, AtomDim = 8, Basis = 6 };
        var batch = Molecules.Batch(new[] { 0, 1, 2, 3 });
        using var onDevice = new IlgpuModel(config, device);
        using var onCpu = new IlgpuModel(config, reference);
        var weights = RandomWeights(onDevice.Layout, seed: 11);
        onDevice.LoadParameters(weights);
        onCpu.LoadParameters(weights);
        string name = $"model L=[{lset}] h={hidden}";
        bool ok = Report($"{name}: predictions", onCpu.Predict(batch), onDevice.Predict(batch));
        for (int step = 1; step <= 3; step++)
        {
            double lossCpu = onCpu.ComputeGradients(batch), lossDevice = onDevice.ComputeGradients(batch);
            ok &= Report($"{name}: loss, step {step}", new[] { (float)lossCpu }, new[] { (float)lossDevice });
            ok &= Report($"{name}: gradients, step {step}", onCpu.GradientsToHost(), onDevice.GradientsToHost());
            onCpu.OptimizerStep();
            onDevice.OptimizerStep();
        }
        ok &= Report($"{name}: weights after 3 AdamW steps", onCpu.ParametersToHost(), onDevice.ParametersToHost());
        return ok;
    }

    /// <summary>N(0,1) weights for every slot (the TorchSharp path draws the same distribution; values only set the scale here).</summary>
    public static float[] RandomWeights(ParameterLayout layout, int seed) => Normal(new Random(seed), (int)layout.Total);

    private static float[] Normal(Random rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return values;
    }

    private static bool Report(string what, float[] expected, float[] actual)
    {
        double scale = Math.Max(1e-6, expected.Max(v => Math.Abs(v))), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        bool ok = worst <= Tolerance * scale && !actual.Any(float.IsNaN);
        Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}: max |diff| / max |ref| = {worst / scale:E2}");
        return ok;
    }
}
