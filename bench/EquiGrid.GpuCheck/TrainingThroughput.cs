using System.Diagnostics;
using EquiGrid.Kernels;
using EquiGrid.Training.Gpu;
using EquiGrid.Training.Model;

namespace EquiGrid.GpuCheck;

/// <summary>
/// Training throughput of the ILGPU model (forward + backward + AdamW per step) on batches of the shipped QM9 subset,
/// the same batches as the TorchSharp bench (<c>equigrid bench train</c>): one warm-up step (kernel compilation) and one
/// probe step, then three timed repetitions of up to <c>steps</c> steps, fewer when three repetitions would overrun
/// <c>budgetSeconds</c> at the probe step's pace (the device check must end in minutes on a card of any speed).
/// </summary>
internal static class TrainingThroughput
{
    public sealed record Result(double Best, double Median, int Steps);

    public static Result Measure(KernelAccelerator device, string lset, int hidden, int batchSize, int steps, double budgetSeconds)
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
        model.Synchronize();
        var probe = Stopwatch.StartNew();
        Step(batches[^1]);
        model.Synchronize();
        int timed = Math.Clamp((int)(budgetSeconds / 3 / Math.Max(probe.Elapsed.TotalSeconds, 1e-6)), 1, steps);
        var rates = new List<double>();
        for (int r = 0; r < 3; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var b in batches.Take(timed)) Step(b);
            model.Synchronize();
            rates.Add(timed * batchSize / sw.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return new Result(rates[^1], rates[1], timed);
    }
}
