using System.CommandLine;
using EquiGrid.Benchmarks;
using EquiGrid.Client.Cli;
using EquiGrid.Training;

namespace EquiGrid.Client.Commands.Bench;

/// <summary><c>equigrid bench train</c>: training throughput of this node on batches of the shipped QM9 subset.</summary>
public static class BenchTrainCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var l = new Option<string>("--l") { Description = "L-set", DefaultValueFactory = _ => "0,1,2" };
        var hidden = new Option<int>("--hidden") { Description = "Hidden multiplicity h", DefaultValueFactory = _ => 32 };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Steps per timed repetition", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (0 = all cores); TorchSharp ops use one thread, as in training", DefaultValueFactory = _ => 0 };
        var json = CliApp.JsonOption();
        var cmd = new Command("train", "Training throughput (forward + backward + AdamW) in molecules/s, best of 3 repetitions after warm-up")
        {
            l, hidden, batch, steps, threads, json,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var spec = new TrialSpec { LSet = parse.GetValue(l)!, Hidden = parse.GetValue(hidden), BatchSize = parse.GetValue(batch) }.Validate();
            var r = TrainingBenchmark.Run(spec, parse.GetValue(steps), threads: parse.GetValue(threads));
            if (parse.GetValue(json)) CliApp.WriteJson(r);
            else
            {
                Console.WriteLine($"L={r.LSet} h={r.Hidden} batch={r.BatchSize}: {r.MoleculesPerSecond:F1} molecules/s (best; median {r.MedianMoleculesPerSecond:F1}, slowest {r.MinMoleculesPerSecond:F1}), {r.Parameters:N0} parameters, peak working set {r.PeakWorkingSetBytes / 1048576.0:F0} MiB");
                foreach (var p in r.Profile) Console.WriteLine($"  {p.Phase,-9} {p.MillisecondsPerStep,8:F1} ms {p.Share,5:P0}  {p.Operation}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
