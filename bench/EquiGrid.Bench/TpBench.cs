using EquiGrid.Benchmarks;
using EquiGrid.Kernels.Diagnostics;
using EquiGrid.Kernels;

namespace EquiGrid.Bench;

/// <summary>
/// Tensor-product throughput (rows/s, float32, per-row weights) of the fast CPU kernel for the study's hidden blocks
/// and the e3nn anchor case, forward and forward + backward, with the dense reference measured in the same process
/// as the baseline (ratio = fast / reference; the ratio against e3nn, measured in the same minutes, is the
/// <c>anchor</c> case's job). Options: --rows N (default 100000), --threads N (default all cores),
/// --ilgpu (also time the ILGPU kernels on the best accelerator; --ilgpu-rows N, default 2000), --ablation (each
/// optional fast path of the CPU kernel switched off in turn), --case TEXT (only the cases whose name contains TEXT).
/// </summary>
public static class TpBench
{
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
        int caseArg = Array.IndexOf(args, "--case");
        if (caseArg >= 0)
        {
            if (caseArg + 1 >= args.Length) throw new ArgumentException("--case needs part of a case name, e.g. --case anchor");
            cases = cases.Where(c => c.Name.Contains(args[caseArg + 1], StringComparison.OrdinalIgnoreCase)).ToArray();
            if (cases.Length == 0) throw new ArgumentException($"--case {args[caseArg + 1]} matches no case: use part of 'anchor', 'hidden L=[0,1,2]' or 'hidden L=[0,3,4,5,6]'");
        }
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

    // The kernel's optional fast paths switched off one at a time, measured alternately in this process so that
    // machine noise hits all sides alike: the generated per-path code (leaving the single-copy table kernel), the
    // single-copy float kernel, then (in the generic per-row kernel it falls back to) the AVX weight-gradient step and
    // the (k, i) runs.
    private static void Ablation((string Name, TensorProduct Tp)[] cases, int rows, int threads)
    {
        Console.WriteLine();
        Console.WriteLine($"{"ablation (forward+backward rows/s)",-36} {"all on",12} {"table",12} {"generic",12} {"generic, no AVX gW",19} {"generic, no runs",17}");
        foreach (var (name, tp) in cases)
        {
            tp.MaxDegreeOfParallelism = threads;
            double on = 0, table = 0, generic = 0, noAvx = 0, noRuns = 0;
            double Best(double sofar) => Math.Max(sofar, TensorProductBenchmark.Measure(tp, rows, true, repetitions: 3).PerSecond);
            for (int round = 0; round < 3; round++)
            {
                on = Best(on);
                CpuKernelSwitches.GeneratedPaths = false;
                table = Best(table);
                CpuKernelSwitches.SingleCopyFloat = false;
                generic = Best(generic);
                CpuKernelSwitches.AvxWeightGradients = false;
                noAvx = Best(noAvx);
                CpuKernelSwitches.AvxWeightGradients = true;
                CpuKernelSwitches.CoupleRuns = false;
                noRuns = Best(noRuns);
                CpuKernelSwitches.CoupleRuns = true;
                CpuKernelSwitches.SingleCopyFloat = true;
                CpuKernelSwitches.GeneratedPaths = true;
            }
            Console.WriteLine($"{name,-36} {on,12:N0} {table,12:N0} {generic,12:N0} {noAvx,19:N0} {noRuns,17:N0}");
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
