using System.Diagnostics;
using EquiGrid.Kernels;
using EquiGrid.Training;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiGrid.Benchmarks;

/// <summary>Result of <see cref="TrainingBenchmark.Run"/>: throughput and where a step's time goes.</summary>
/// <param name="MoleculesPerSecond">Best repetition.</param>
/// <param name="MedianMoleculesPerSecond">Median repetition.</param>
/// <param name="MinMoleculesPerSecond">Slowest repetition.</param>
/// <param name="FusedMessages">True when the blocks ran the fused message kernel (the default training path).</param>
/// <param name="Profile">Milliseconds per step of every phase and operation, measured over all timed steps.</param>
public sealed record TrainingBenchmarkResult(string LSet, int Hidden, int BatchSize, int Steps, long Parameters,
    double MoleculesPerSecond, double MedianMoleculesPerSecond, double MinMoleculesPerSecond, bool FusedMessages,
    IReadOnlyList<StepProfileEntry> Profile, long PeakWorkingSetBytes);

/// <summary>One line of a step profile.</summary>
/// <param name="Phase">forward, backward or optimizer.</param>
/// <param name="Operation">What was timed; "other TorchSharp ops" is the phase's time not covered by the lines above it.</param>
/// <param name="MillisecondsPerStep">Mean wall-clock time per training step.</param>
/// <param name="Share">Fraction of the whole step.</param>
public sealed record StepProfileEntry(string Phase, string Operation, double MillisecondsPerStep, double Share);

/// <summary>
/// Measures training throughput (forward + backward + AdamW step) on real batches of the shipped QM9 subset: warm up,
/// then several timed repetitions of <c>steps</c> steps, keeping the best; profiles every step's phases (forward,
/// backward, optimizer) and the operations EquiGrid runs itself inside them.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>
    /// Runs the benchmark with the trainer's thread set-up: <paramref name="threads"/> kernel threads (0 = every
    /// core) and <see cref="Trainer.TorchThreads"/> for the TorchSharp ops unless <paramref name="torchThreads"/> says
    /// otherwise; <paramref name="fuseMessages"/> = false times the path with materialised per-edge weights.
    /// </summary>
    public static TrainingBenchmarkResult Run(TrialSpec spec, int steps = 20, int repetitions = 3, int threads = 0, bool fuseMessages = true, int torchThreads = 0)
    {
        if (steps < 1) throw new ArgumentException($"steps = {steps}: must be >= 1");
        if (repetitions < 1) throw new ArgumentException($"repetitions = {repetitions}: must be >= 1");
        torch.set_num_threads(torchThreads > 0 ? torchThreads : Trainer.TorchThreads);
        torch.manual_seed(spec.Seed);
        var data = TrialData.Load(spec);
        var model = new EquivariantModel(ModelConfig.FromSpec(spec)) { FuseMessages = fuseMessages, KernelThreads = threads > 0 ? threads : Environment.ProcessorCount };
        var optimizer = torch.optim.AdamW(model.parameters(), lr: spec.LearningRate, weight_decay: 0);
        var batches = Enumerable.Range(0, steps)
            .Select(s => data.Batch(Enumerable.Range(s * spec.BatchSize, spec.BatchSize).Select(i => i % data.Molecules.Count).ToArray()))
            .ToList();

        void Step(GraphBatch batch)
        {
            using var scope = NewDisposeScope();
            Tensor loss;
            using (StepProfiler.Time(StepProfiler.Part.Forward))
                loss = nn.functional.mse_loss(model.Forward(batch), tensor(batch.Targets));
            using (StepProfiler.Time(StepProfiler.Part.Backward))
                loss.backward();
            using (StepProfiler.Time(StepProfiler.Part.Optimizer))
            {
                optimizer.step();
                optimizer.zero_grad();
            }
        }

        Step(batches[0]);
        var rates = new List<double>();
        StepProfiler.Reset();
        StepProfiler.Enabled = true;
        FusedEdgeProfile.Reset();
        FusedEdgeProfile.Enabled = true;
        for (int r = 0; r < repetitions; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var b in batches) Step(b);
            rates.Add(steps * spec.BatchSize / sw.Elapsed.TotalSeconds);
        }
        StepProfiler.Enabled = false;
        FusedEdgeProfile.Enabled = false;
        rates.Sort();
        return new TrainingBenchmarkResult(spec.LSet, spec.Hidden, spec.BatchSize, steps, model.ParameterCount,
            rates[^1], rates[rates.Count / 2], rates[0], fuseMessages, Profile(steps * repetitions), Process.GetCurrentProcess().PeakWorkingSet64);
    }

    private static string OperationName(FusedEdgeProfile.Operation op) => op switch
    {
        FusedEdgeProfile.Operation.Gather => "gather x[src], Y, h into tiles",
        FusedEdgeProfile.Operation.WeightGeneration => "per-edge weight generation s h W (radial MLP last layer)",
        FusedEdgeProfile.Operation.TensorProduct => "tensor product (coupling + weight contraction)",
        FusedEdgeProfile.Operation.Scatter => "sum messages into target nodes",
        FusedEdgeProfile.Operation.GatherBackward => "gather x[src], Y, h, dL/dout[dst] into tiles",
        FusedEdgeProfile.Operation.WeightRegeneration => "per-edge weights generated again",
        FusedEdgeProfile.Operation.TensorProductBackward => "tensor product backward (dW, dx, dY per edge)",
        FusedEdgeProfile.Operation.FeatureGradient => "dL/dh = dW W^T (radial MLP last layer, input gradient)",
        FusedEdgeProfile.Operation.WeightMatrixGradient => "dL/dW += (s h)^T dW (radial MLP last layer, weight gradient)",
        FusedEdgeProfile.Operation.GradientSums => "per-edge gradient writes, chunk sums of dL/dW, dL/dx per source node",
        _ => op.ToString(),
    };

    private static List<StepProfileEntry> Profile(int steps)
    {
        double Ms(StepProfiler.Part p) => StepProfiler.Seconds(p) * 1000 / steps;
        double forward = Ms(StepProfiler.Part.Forward), backward = Ms(StepProfiler.Part.Backward), optimizer = Ms(StepProfiler.Part.Optimizer);
        double all = forward + backward + optimizer;
        var rows = new List<StepProfileEntry>();
        void Phase(string phase, double total, params (string Name, StepProfiler.Part Part)[] parts)
        {
            double covered = 0;
            foreach (var (name, part) in parts)
            {
                double ms = Ms(part);
                if (ms == 0) continue;
                covered += ms;
                rows.Add(new StepProfileEntry(phase, name, ms, ms / all));
            }
            rows.Add(new StepProfileEntry(phase, parts.Length == 0 ? "AdamW step + zero_grad" : "other TorchSharp ops", Math.Max(0, total - covered), Math.Max(0, total - covered) / all));
        }
        Phase("forward", forward,
            ("spherical harmonics (kernel)", StepProfiler.Part.SphericalHarmonics),
            ("radial MLP, materialised per-edge weights (TorchSharp)", StepProfiler.Part.RadialMlp),
            ("tensor product (kernel)", StepProfiler.Part.TensorProduct),
            ("fused messages: weight generation + tensor product + gather/sum (kernel)", StepProfiler.Part.MessagesForward));
        Phase("backward", backward,
            ("tensor product backward (kernel)", StepProfiler.Part.TensorProductBackward),
            ("fused messages backward: weights again + tensor product + radial-layer gradients (kernel)", StepProfiler.Part.MessagesBackward));
        Phase("optimizer", optimizer);
        // Inside the fused kernel: thread-seconds per operation, scaled to the kernel's wall-clock time per phase.
        foreach (var (phase, part, ops) in new[]
        {
            ("forward", StepProfiler.Part.MessagesForward, new[] { FusedEdgeProfile.Operation.Gather, FusedEdgeProfile.Operation.WeightGeneration, FusedEdgeProfile.Operation.TensorProduct, FusedEdgeProfile.Operation.Scatter }),
            ("backward", StepProfiler.Part.MessagesBackward, new[] { FusedEdgeProfile.Operation.GatherBackward, FusedEdgeProfile.Operation.WeightRegeneration, FusedEdgeProfile.Operation.TensorProductBackward, FusedEdgeProfile.Operation.FeatureGradient, FusedEdgeProfile.Operation.WeightMatrixGradient, FusedEdgeProfile.Operation.GradientSums }),
        })
        {
            double wall = Ms(part);
            double threadSeconds = ops.Sum(FusedEdgeProfile.Seconds);
            if (wall == 0 || threadSeconds == 0) continue;
            foreach (var op in ops)
            {
                double ms = wall * FusedEdgeProfile.Seconds(op) / threadSeconds;
                rows.Add(new StepProfileEntry(phase, $"  of which: {OperationName(op)}", ms, ms / all));
            }
        }
        return rows;
    }
}
