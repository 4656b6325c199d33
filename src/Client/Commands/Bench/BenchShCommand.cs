using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;
using EquiGrid.Kernels.Diagnostics;

namespace EquiGrid.Client.Commands.Bench;

/// <summary>
/// <c>equigrid bench sh --l 10 [--count 1000000] [--backward] [--float64] [--json]</c>: this node's spherical-harmonic
/// throughput in vectors per second (best of 5 repetitions after warm-up, all cores).
/// </summary>
public static class BenchShCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var orders = new Option<string>("--l") { Description = "L-set, e.g. 10 or 0,1,2", DefaultValueFactory = _ => "10" };
        var count = new Option<int>("--count") { Description = "Vectors per repetition", DefaultValueFactory = _ => 1_000_000 };
        var backward = new Option<bool>("--backward") { Description = "Time forward + backward (vector-Jacobian product)" };
        var float64 = new Option<bool>("--float64") { Description = "Float64 (default float32)" };
        var json = CliApp.JsonOption();
        var cmd = new Command("sh", "Measure spherical-harmonic throughput (vectors/s)") { orders, count, backward, float64, json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var result = Measure(LSet.Parse(parse.GetValue(orders)!), parse.GetValue(count), parse.GetValue(backward), parse.GetValue(float64));
            Write(Console.Out, result, parse.GetValue(json));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>The measurement, as written with <c>--json</c>.</summary>
    internal sealed record ShBenchResult(string Kernel, string L, int Count, bool Backward, string Dtype, int Threads, int Repetitions,
        double PerSecond, double BestSeconds, double MedianSeconds);

    internal static ShBenchResult Measure(LSet lset, int count, bool backward, bool float64, int repetitions = 5)
    {
        if (count <= 0) throw new UserInputException($"--count must be positive, got {count}");
        var rng = new Random(1);
        Action body;
        if (float64)
        {
            var xyz = Enumerable.Range(0, 3 * count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var output = new double[(long)count * lset.Dim];
            var gradOut = Enumerable.Repeat(1.0, output.Length).ToArray();
            var gradXyz = new double[3 * count];
            body = backward
                ? () => { SphericalHarmonics.Forward(lset, xyz, output); SphericalHarmonics.Backward(lset, xyz, gradOut, gradXyz); }
                : () => SphericalHarmonics.Forward(lset, xyz, output);
        }
        else
        {
            var xyz = Enumerable.Range(0, 3 * count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var output = new float[(long)count * lset.Dim];
            var gradOut = Enumerable.Repeat(1f, output.Length).ToArray();
            var gradXyz = new float[3 * count];
            body = backward
                ? () => { SphericalHarmonics.Forward(lset, xyz, output); SphericalHarmonics.Backward(lset, xyz, gradOut, gradXyz); }
                : () => SphericalHarmonics.Forward(lset, xyz, output);
        }
        var r = Throughput.Measure($"sh {lset}", count, body, repetitions, warmup: 2);
        return new ShBenchResult("sh", lset.ToString(), count, backward, float64 ? "float64" : "float32", Environment.ProcessorCount, repetitions,
            Math.Round(r.PerSecond), r.BestSeconds, r.MedianSeconds);
    }

    internal static void Write(TextWriter writer, ShBenchResult r, bool json)
    {
        if (json)
        {
            writer.WriteLine(JsonSerializer.Serialize(r, CliApp.Json));
            return;
        }
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sh {r.L} {r.Dtype} {(r.Backward ? "forward+backward" : "forward")}: {r.PerSecond / 1e6:F2} M vectors/s (best of {r.Repetitions}, {r.Threads} threads, {r.Count:N0} vectors)"));
    }
}
