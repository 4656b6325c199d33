using EquiGrid.Benchmarks;
using EquiGrid.Kernels.Diagnostics;
using EquiGrid.Kernels;

namespace EquiGrid.Bench;

/// <summary>
/// Tensor-product throughput (rows/s, float32, per-row weights) of the fast CPU kernel for the study's hidden blocks
/// and the e3nn anchor case, forward and forward + backward, with the dense reference measured in the same process
/// as the baseline (ratio = fast / reference). Options: --rows N (default 100000), --threads N (default all cores),
/// --ilgpu (also time the ILGPU kernels on the best accelerator; --ilgpu-rows N, default 2000), --ablation (each
/// optional fast path of the CPU kernel switched off in turn).
/// </summary>
public static class TpBench
{
    // e3nn 0.5.1 / PyTorch 1.13 on this project's 2-core machines, 2 threads: the anchor case forward + backward.
    private const double E3nnAnchorForwardBackward = 6500;

    public static int Run(string[] args)
    {
        int rows = IntOption(args, "--rows", 100_000);
        int threads = IntOption(args, "--threads", Environment.ProcessorCount);
        bool ilgpu = args.Contains("--ilgpu");
        var cases = new (string Name, TensorProduct Tp)[]
        {
            ("anchor 8x(0e+1o+2e) x (0e+1o+2e)", TensorProduct.FullyConnected(Irreps.Parse("8x0e+8x1o+8x2e"), Irreps.Parse("0e+1o+2e"), Irreps.Parse("8x0e+8x1o+8x2e"))),
            ("hidden L=[0,1,2] h=32", Hidden(LSet.Of(0, 1, 2), 32)),
            ("hidden L=[0,3,4,5,6] h=16", Hidden(LSet.Of(0, 3, 4, 5, 6), 16)),
        };
        Console.WriteLine($"tensor product, float32, per-row weights, {rows} rows, {threads} threads ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"{"case",-36} {"paths",5} {"weights",7} {"fwd rows/s",12} {"fwd+bwd rows/s",15} {"ref fwd+bwd",12} {"ratio",7}");
        foreach (var (name, tp) in cases)
        {
            tp.MaxDegreeOfParallelism = threads;
            var fwd = TensorProductBenchmark.Measure(tp, rows, backward: false);
            var both = TensorProductBenchmark.Measure(tp, rows, backward: true);
            // The dense reference costs ~mul1*mul2*mulOut*d1*d2*d3 per path and row: size its batch to ~0.2 s.
            var reference = TensorProductBenchmark.Measure(tp, ReferenceRows(tp), backward: true, TensorProductEngine.Reference, repetitions: 3);
            Console.WriteLine($"{name,-36} {tp.Instructions.Count,5} {tp.WeightNumel,7} {fwd.PerSecond,12:N0} {both.PerSecond,15:N0} {reference.PerSecond,12:N0} {both.PerSecond / reference.PerSecond,6:N0}x");
            if (name.StartsWith("anchor"))
                Console.WriteLine($"{"",-36} forward+backward vs e3nn's ~{E3nnAnchorForwardBackward:N0} rows/s: {both.PerSecond / E3nnAnchorForwardBackward:N1}x (goal 30x)");
            if (ilgpu)
            {
                // ILGPU's CPU accelerator runs a few hundred rows/s: keep its batch small (--ilgpu-rows on a GPU).
                int gpuRows = (int)Math.Min(Math.Min(rows, IntOption(args, "--ilgpu-rows", 2000)), TensorProductBenchmark.MaxWeightsInMemory / tp.WeightNumel);
                var g1 = TensorProductBenchmark.Measure(tp, gpuRows, backward: false, TensorProductEngine.Ilgpu, repetitions: 3);
                var g2 = TensorProductBenchmark.Measure(tp, gpuRows, backward: true, TensorProductEngine.Ilgpu, repetitions: 3);
                Console.WriteLine($"{"  ILGPU " + g1.Name[(g1.Name.LastIndexOf('[') + 1)..].TrimEnd(']'),-36} {"",5} {"",7} {g1.PerSecond,12:N0} {g2.PerSecond,15:N0}");
            }
        }
        if (args.Contains("--ablation")) Ablation(cases, rows, threads);
        return 0;
    }

    // The kernel's two optional fast paths switched off one at a time, measured alternately in this process so
    // that machine noise hits both sides alike.
    private static void Ablation((string Name, TensorProduct Tp)[] cases, int rows, int threads)
    {
        Console.WriteLine();
        Console.WriteLine($"{"ablation (forward+backward rows/s)",-36} {"all on",12} {"no AVX gW",12} {"no (k,i) runs",14}");
        foreach (var (name, tp) in cases)
        {
            tp.MaxDegreeOfParallelism = threads;
            double on = 0, noAvx = 0, noRuns = 0;
            for (int round = 0; round < 3; round++)
            {
                on = Math.Max(on, TensorProductBenchmark.Measure(tp, rows, true, repetitions: 3).PerSecond);
                CpuKernelSwitches.AvxWeightGradients = false;
                noAvx = Math.Max(noAvx, TensorProductBenchmark.Measure(tp, rows, true, repetitions: 3).PerSecond);
                CpuKernelSwitches.AvxWeightGradients = true;
                CpuKernelSwitches.CoupleRuns = false;
                noRuns = Math.Max(noRuns, TensorProductBenchmark.Measure(tp, rows, true, repetitions: 3).PerSecond);
                CpuKernelSwitches.CoupleRuns = true;
            }
            Console.WriteLine($"{name,-36} {on,12:N0} {noAvx,12:N0} {noRuns,14:N0}");
        }
    }

    private static int ReferenceRows(TensorProduct tp)
    {
        double ops = tp.Instructions.Sum(i => (double)tp.IrrepsIn1[i.In1].Dim * tp.IrrepsIn2[i.In2].Dim * tp.IrrepsOut[i.Out].Dim);
        return (int)Math.Clamp(3e7 / Math.Max(1, ops), 2, 200);
    }

    private static TensorProduct Hidden(LSet lset, int h) =>
        TensorProduct.FullyConnected(Irreps.Hidden(lset, h), Irreps.SphericalHarmonics(lset), Irreps.Hidden(lset, h));

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out int v) || v <= 0)
            throw new ArgumentException($"{name} needs a positive integer, e.g. {name} {fallback}");
        return v;
    }
}
