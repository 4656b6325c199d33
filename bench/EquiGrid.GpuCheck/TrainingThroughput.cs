using System.Diagnostics;
using EquiGrid.Kernels;
using EquiGrid.Training.Gpu;
using EquiGrid.Training.Model;

namespace EquiGrid.GpuCheck;

/// <summary>
/// Training throughput of the ILGPU model (forward + backward + AdamW per step) on batches of the shipped QM9 subset,
/// the same batches as the TorchSharp bench (<c>equigrid bench train</c>): one warm-up step (kernel compilation), then
/// three timed repetitions of <c>steps</c> steps.
/// </summary>
internal static class TrainingThroughput
{
    public sealed record Result(double Best, double Median);

    public static Result Measure(KernelAccelerator device, string lset, int hidden, int batchSize, int steps)
    {
        var data = DeviceChecks.Molecules;
        var config = new ModelConfig { LSet = LSet.Parse(lset), Hidden = hidden };
        using var model = new IlgpuModel(config, device);
        model.LoadParameters(DeviceChecks.RandomWeights(model.Layout, seed: 21616));
        var batches = Enumerable.Range(0, steps)
            .Select(s => data.Batch(Enumerable.Range(s * batchSize, batchSize).Select(i => i % data.Molecules.Count).ToArray()))
            .ToList();
        void Step(Training.Data.GraphBatch b)
        {
            model.ComputeGradients(b);
            model.OptimizerStep();
        }
        Step(batches[0]);
        var rates = new List<double>();
        for (int r = 0; r < 3; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var b in batches) Step(b);
            model.Synchronize();
            rates.Add(steps * batchSize / sw.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return new Result(rates[^1], rates[1]);
    }
}
