using EquiGrid.Benchmarks;
using EquiGrid.Training;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// <c>train</c>: training throughput (forward + backward + AdamW, batch 32 of the shipped QM9 subset, 2 threads) of
/// the two reference configurations, alternating round by round with the reference model in e3nn 0.5.1
/// (ref_model_bench.py of the anchors) so both sides share the machine's load; prints every round, min / median / max
/// of both sides and of the per-round ratio, the load average, both command lines and EquiGrid's step profile.
/// Options: --l L --hidden H (one configuration), --steps N (EquiGrid steps per round, default 10), --rounds R
/// (default 3), --ref-steps N (reference steps per round, default 3 for h=32, 1 otherwise), --threads N (default 2),
/// --unfused (also time the path with materialised per-edge weights each round), --reference DIR, --python PATH,
/// --no-reference, --table-tp (the fused kernel's table steps instead of the generated per-path code, to compare).
/// </summary>
public static class TrainBench
{
    private static readonly (string LSet, int Hidden, string ReferenceName)[] Reference = [("0,1,2", 32, "L012_h32"), ("0,3,4,5,6", 16, "L03456_h16")];

    public static int Run(string[] args)
    {
        int steps = Int(args, "--steps", 10), rounds = Int(args, "--rounds", 3), threads = Int(args, "--threads", 2);
        bool unfused = args.Contains("--unfused");
        if (args.Contains("--table-tp")) EquiGrid.Kernels.CpuKernelSwitches.GeneratedPaths = false;
        string? l = Str(args, "--l");
        var configs = l is null
            ? Reference
            : [(l, Int(args, "--hidden", 32), Reference.FirstOrDefault(r => r.LSet == l && r.Hidden == Int(args, "--hidden", 32)).ReferenceName)];
        var anchor = ReferenceAnchor.FromArgs(args);
        Console.WriteLine($"train: batch 32, {threads} threads, {rounds} rounds; per round EquiGrid {steps} steps after a warm-up step, then the reference; {Environment.ProcessorCount} cores");
        foreach (var (lset, hidden, refName) in configs)
        {
            var spec = new TrialSpec { LSet = lset, Hidden = hidden, BatchSize = 32 };
            var refEnv = new Dictionary<string, string>
            {
                ["STEPS"] = Int(args, "--ref-steps", hidden >= 32 ? 3 : 1).ToString(), ["REPS"] = "1", ["WARM"] = "1", ["FWD_STEPS"] = "1", ["NTHREADS"] = threads.ToString(),
            };
            Console.WriteLine();
            Console.WriteLine($"L=[{lset}] h={hidden}");
            Console.WriteLine($"  EquiGrid:  dotnet run -c Release --project bench/EquiGrid.Bench -- train --l {lset} --hidden {hidden} --steps {steps} (same as ./equigrid bench train --l {lset} --hidden {hidden} --steps {steps})");
            if (anchor is not null && refName is not null) Console.WriteLine($"  reference: {anchor.CommandLine("ref_model_bench.py", $"--one {refName}", refEnv)}");
            var ours = new List<double>(); var theirs = new List<double>(); var ratios = new List<double>(); var materialised = new List<double>();
            TrainingBenchmarkResult? last = null;
            for (int round = 1; round <= rounds; round++)
            {
                string loadBefore = ReferenceAnchor.LoadAverage();
                last = TrainingBenchmark.Run(spec, steps, repetitions: 1, threads: threads);
                ours.Add(last.MoleculesPerSecond);
                string line = $"  round {round}: load {loadBefore}; EquiGrid {last.MoleculesPerSecond:F1} mol/s";
                if (Int(args, "--torch-threads", 0) is int tt and > 0)
                    line += $" (torch threads {tt}: {TrainingBenchmark.Run(spec, steps, repetitions: 1, threads: threads, torchThreads: tt).MoleculesPerSecond:F1})";
                if (unfused)
                {
                    var m = TrainingBenchmark.Run(spec, steps, repetitions: 1, threads: threads, fuseMessages: false);
                    materialised.Add(m.MoleculesPerSecond);
                    line += $" (materialised weights {m.MoleculesPerSecond:F1})";
                }
                if (anchor is not null && refName is not null && anchor.Run("ref_model_bench.py", $"--one {refName}", refEnv) is { } json)
                {
                    double r = json.GetProperty("train").GetProperty("mol_per_s_median").GetDouble();
                    theirs.Add(r);
                    ratios.Add(last.MoleculesPerSecond / r);
                    line += $", e3nn {r:F2} mol/s, ratio {last.MoleculesPerSecond / r:F1}x";
                }
                Console.WriteLine(line + $"; load after {ReferenceAnchor.LoadAverage()}");
            }
            Console.WriteLine($"  EquiGrid mol/s min / median / max: {ReferenceAnchor.Spread(ours, "F1")}");
            if (unfused) Console.WriteLine($"  materialised-weights path mol/s:   {ReferenceAnchor.Spread(materialised, "F1")}");
            if (theirs.Count > 0)
            {
                Console.WriteLine($"  e3nn mol/s min / median / max:     {ReferenceAnchor.Spread(theirs, "F2")}");
                Console.WriteLine($"  ratio (same round) min / median / max: {ReferenceAnchor.Spread(ratios, "F1")} (goal 20x)");
            }
            if (last is not null)
            {
                Console.WriteLine($"  step profile of the last round ({last.Parameters:N0} parameters, peak working set {last.PeakWorkingSetBytes / 1048576.0:F0} MiB):");
                foreach (var p in last.Profile) Console.WriteLine($"    {p.Phase,-9} {p.MillisecondsPerStep,8:F1} ms {p.Share,5:P0}  {p.Operation}");
            }
        }
        return 0;
    }

    private static int Int(string[] args, string name, int fallback)
    {
        string? v = Str(args, name);
        if (v is null) return fallback;
        if (!int.TryParse(v, out int n) || n < 0) throw new ArgumentException($"{name} needs a positive integer, e.g. {name} {fallback}");
        return n;
    }

    private static string? Str(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
