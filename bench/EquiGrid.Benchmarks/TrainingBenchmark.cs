using System.Diagnostics;
using EquiGrid.Training;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiGrid.Benchmarks;

/// <summary>Result of <see cref="TrainingBenchmark.Run"/>: throughput and where a step's time goes.</summary>
public sealed record TrainingBenchmarkResult(string LSet, int Hidden, int BatchSize, int Steps, long Parameters,
    double MoleculesPerSecond, double MedianMoleculesPerSecond, double ShShare, double TensorProductShare, double RadialMlpShare, double RestShare, long PeakWorkingSetBytes);

/// <summary>
/// Measures training throughput (forward + backward + AdamW step) on real batches of the shipped QM9 subset: warm up,
/// then several timed repetitions of <c>steps</c> steps, keeping the best.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static TrainingBenchmarkResult Run(TrialSpec spec, int steps = 20, int repetitions = 3, int threads = 0)
    {
        if (steps < 1) throw new ArgumentException($"steps = {steps}: must be >= 1");
        torch.set_num_threads(threads > 0 ? threads : Environment.ProcessorCount);
        torch.manual_seed(spec.Seed);
        var data = TrialData.Load(spec);
        var model = new EquivariantModel(ModelConfig.FromSpec(spec));
        var optimizer = torch.optim.AdamW(model.parameters(), lr: spec.LearningRate, weight_decay: 0);
        var batches = Enumerable.Range(0, steps)
            .Select(s => data.Batch(Enumerable.Range(s * spec.BatchSize, spec.BatchSize).Select(i => i % data.Molecules.Count).ToArray()))
            .ToList();

        void Step(GraphBatch batch)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.Forward(batch), tensor(batch.Targets));
            loss.backward();
            optimizer.step();
        }

        Step(batches[0]);
        var rates = new List<double>();
        StepProfiler.Reset();
        StepProfiler.Enabled = true;
        var total = Stopwatch.StartNew();
        for (int r = 0; r < repetitions; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var b in batches) Step(b);
            rates.Add(steps * spec.BatchSize / sw.Elapsed.TotalSeconds);
        }
        double all = total.Elapsed.TotalSeconds;
        StepProfiler.Enabled = false;
        rates.Sort();
        double sh = StepProfiler.Seconds(StepProfiler.Part.SphericalHarmonics) / all;
        double tp = StepProfiler.Seconds(StepProfiler.Part.TensorProduct) / all;
        double mlp = StepProfiler.Seconds(StepProfiler.Part.RadialMlp) / all;
        return new TrainingBenchmarkResult(spec.LSet, spec.Hidden, spec.BatchSize, steps, model.ParameterCount,
            rates[^1], rates[rates.Count / 2], sh, tp, mlp, Math.Max(0, 1 - sh - tp - mlp), Process.GetCurrentProcess().PeakWorkingSet64);
    }
}
