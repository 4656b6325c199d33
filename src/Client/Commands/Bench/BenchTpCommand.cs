using System.CommandLine;
using EquiGrid.Benchmarks;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;

namespace EquiGrid.Client.Commands.Bench;

/// <summary>
/// <c>equigrid bench tp --irreps-in 8x0e+8x1o+8x2e --sh 0,1,2 --irreps-out 8x0e+8x1o+8x2e [--rows 100000] [--backward] [--json]</c>:
/// this node's fully connected tensor-product throughput with per-row weights (rows/s, float32), best of a few
/// repetitions after warm-up. Compute nodes report it as a placement capability.
/// </summary>
public static class BenchTpCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var irrepsIn = new Option<string>("--irreps-in") { Description = "Irreps of the node features, e.g. 8x0e+8x1o+8x2e", DefaultValueFactory = _ => "8x0e+8x1o+8x2e" };
        var sh = new Option<string>("--sh") { Description = "L-set of the spherical harmonics (second input), e.g. 0,1,2", DefaultValueFactory = _ => "0,1,2" };
        var irrepsOut = new Option<string>("--irreps-out") { Description = "Output irreps", DefaultValueFactory = _ => "8x0e+8x1o+8x2e" };
        var rows = new Option<int>("--rows") { Description = "Rows (edges) per repetition", DefaultValueFactory = _ => 100_000 };
        var backward = new Option<bool>("--backward") { Description = "Time forward + backward instead of forward only" };
        var engine = new Option<string>("--engine") { Description = "cpu (default), ilgpu (CUDA if present, else ILGPU's CPU accelerator) or reference", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = CliApp.JsonOption();
        var cmd = new Command("tp", "Measure fully connected tensor-product throughput (rows/s) with per-row weights")
        {
            irrepsIn, sh, irrepsOut, rows, backward, engine, threads, json,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var in1 = Irreps.Parse(parse.GetValue(irrepsIn)!);
            var lset = LSet.Parse(parse.GetValue(sh)!);
            var output = Irreps.Parse(parse.GetValue(irrepsOut)!);
            int n = parse.GetValue(rows);
            if (n <= 0) throw new UserInputException($"--rows must be > 0 (got {n})");
            int t = parse.GetValue(threads);
            if (t <= 0) throw new UserInputException($"--threads must be > 0 (got {t})");
            var kind = parse.GetValue(engine)!.Trim().ToLowerInvariant() switch
            {
                "cpu" => TensorProductEngine.Cpu,
                "ilgpu" => TensorProductEngine.Ilgpu,
                "reference" => TensorProductEngine.Reference,
                var other => throw new UserInputException($"--engine '{other}' is not one of cpu, ilgpu, reference"),
            };
            var tp = TensorProduct.FullyConnected(in1, Irreps.SphericalHarmonics(lset), output);
            if (tp.Instructions.Count == 0)
                throw new UserInputException($"no allowed path from {in1} x {Irreps.SphericalHarmonics(lset)} to {output}: check parities and the triangle rule");
            tp.MaxDegreeOfParallelism = t;
            bool both = parse.GetValue(backward);
            var r = TensorProductBenchmark.Measure(tp, n, both, kind);
            if (parse.GetValue(json))
            {
                CliApp.WriteJson(new
                {
                    Benchmark = "tp", IrrepsIn = in1.ToString(), Sh = lset.Orders, IrrepsOut = output.ToString(),
                    Paths = tp.Instructions.Count, WeightNumel = tp.WeightNumel, Rows = n, Backward = both,
                    Engine = kind.ToString().ToLowerInvariant(), Threads = t, Repetitions = r.Repetitions,
                    BestSeconds = r.BestSeconds, MedianSeconds = r.MedianSeconds, PerSecond = r.PerSecond,
                });
            }
            else
            {
                Console.WriteLine($"{r.Name}: {tp.Instructions.Count} paths, {tp.WeightNumel} weights/row, {n} rows, {t} threads");
                Console.WriteLine($"{r.PerSecond:N0} rows/s (best of {r.Repetitions}; median {n / r.MedianSeconds:N0} rows/s)");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
