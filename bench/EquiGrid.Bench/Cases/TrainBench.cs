using EquiGrid.Benchmarks;
using EquiGrid.Training;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// <c>train [lset] [hidden] [steps]</c>: training throughput (forward + backward + AdamW, batch 32 of the shipped QM9
/// subset) for the two reference configurations by default, each printed next to the e3nn 0.5.1 anchor measured on
/// this machine (3.2 molecules/s for [0,1,2] h=32, 0.7 for [0,3,4,5,6] h=16).
/// </summary>
public static class TrainBench
{
    private static readonly (string LSet, int Hidden, double E3nnAnchor)[] Reference = [("0,1,2", 32, 3.2), ("0,3,4,5,6", 16, 0.7)];

    public static int Run(string[] args)
    {
        int steps = args.Length > 2 ? int.Parse(args[2]) : 10;
        (string LSet, int Hidden, double E3nnAnchor)[] configs = args.Length > 1
            ? [(args[0], int.Parse(args[1]), double.NaN)]
            : Reference;
        Console.WriteLine($"train: batch 32, {steps} steps per repetition, best of 3, {Environment.ProcessorCount} cores");
        foreach (var (lset, hidden, anchor) in configs)
        {
            var r = TrainingBenchmark.Run(new TrialSpec { LSet = lset, Hidden = hidden, BatchSize = 32 }, steps);
            string ratio = double.IsNaN(anchor) ? "" : $" ({r.MoleculesPerSecond / anchor:F1}x the e3nn anchor {anchor})";
            Console.WriteLine($"  L=[{lset}] h={hidden}: {r.MoleculesPerSecond:F1} molecules/s{ratio}; SH {r.ShShare:P0}, TP {r.TensorProductShare:P0}, " +
                $"radial MLP fwd {r.RadialMlpShare:P0}, rest {r.RestShare:P0}; peak working set {r.PeakWorkingSetBytes / 1048576.0:F0} MiB");
        }
        return 0;
    }
}
