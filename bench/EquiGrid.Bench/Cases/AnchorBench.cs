using EquiGrid.Benchmarks;
using EquiGrid.Kernels;
using EquiGrid.Kernels.Diagnostics;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// <c>anchor</c>: the kernel anchors measured round by round beside e3nn 0.5.1 (anchor_sh_tp.py of the anchors, in
/// the same minutes): the fully connected tensor product 8x0e+8x1o+8x2e x 0e+1o+2e -> 8x0e+8x1o+8x2e with per-row
/// weights, forward + backward (rows/s, same row count as the script), and spherical harmonics l = 10 forward
/// (vectors/s, 1M normalised vectors, component normalisation). Options: --rounds R (default 3), --rows N (default
/// 20000, the script's TP_ROWS), --threads N (default 2), --reference DIR, --python PATH, --no-reference.
/// </summary>
public static class AnchorBench
{
    public static int Run(string[] args)
    {
        int rounds = Int(args, "--rounds", 3), rows = Int(args, "--rows", 20_000), threads = Int(args, "--threads", 2);
        var anchor = ReferenceAnchor.FromArgs(args);
        var tp = TensorProduct.FullyConnected(Irreps.Parse("8x0e+8x1o+8x2e"), Irreps.Parse("0e+1o+2e"), Irreps.Parse("8x0e+8x1o+8x2e"));
        tp.MaxDegreeOfParallelism = threads;
        var env = new Dictionary<string, string> { ["TP_ROWS"] = rows.ToString() };
        Console.WriteLine($"anchors: {rounds} rounds, {threads} threads, float32; each side best of 3 after warm-up, alternating");
        Console.WriteLine($"  EquiGrid:  dotnet run -c Release --project bench/EquiGrid.Bench -- anchor --rows {rows} --threads {threads}");
        if (anchor is not null) Console.WriteLine($"  reference: {anchor.CommandLine("anchor_sh_tp.py", "", env)}");

        const int shCount = 1_000_000;
        var sh = LSet.Of(10);
        var rng = new Random(1);
        var xyz = new float[3 * shCount];
        for (int i = 0; i < xyz.Length; i++) xyz[i] = (float)(rng.NextDouble() * 2 - 1);
        var shOut = new float[shCount * sh.Dim];

        var tpOurs = new List<double>(); var tpTheirs = new List<double>(); var tpRatio = new List<double>();
        var shOurs = new List<double>(); var shTheirs = new List<double>(); var shRatio = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            string load = ReferenceAnchor.LoadAverage();
            double tpRate = TensorProductBenchmark.Measure(tp, rows, backward: true, repetitions: 3).PerSecond;
            double shRate = Throughput.Measure("sh l=10", shCount,
                () => SphericalHarmonics.Forward(sh, xyz, shOut, ShNormalization.Component, normalizeInput: true), 3).PerSecond;
            tpOurs.Add(tpRate); shOurs.Add(shRate);
            string line = $"  round {round}: load {load}; EquiGrid TP {tpRate:N0} rows/s, SH l=10 {shRate / 1e6:F1} M vectors/s";
            if (anchor?.Run("anchor_sh_tp.py", "", env) is { } json)
            {
                double t = json.GetProperty("tp_fwdbwd").GetDouble(), s = json.GetProperty("sh_l10_fwd").GetDouble();
                tpTheirs.Add(t); shTheirs.Add(s); tpRatio.Add(tpRate / t); shRatio.Add(shRate / s);
                line += $"; e3nn TP {t:N0} rows/s ({tpRate / t:F1}x), SH {s / 1e6:F2} M vectors/s ({shRate / s:F0}x)";
            }
            Console.WriteLine(line + $"; load after {ReferenceAnchor.LoadAverage()}");
        }
        Console.WriteLine($"  TP fwd+bwd rows/s, EquiGrid min / median / max: {ReferenceAnchor.Spread(tpOurs, "N0")}");
        Console.WriteLine($"  SH l=10 vectors/s, EquiGrid min / median / max:  {ReferenceAnchor.Spread(shOurs, "N0")}");
        if (tpTheirs.Count > 0)
        {
            Console.WriteLine($"  TP fwd+bwd rows/s, e3nn min / median / max:     {ReferenceAnchor.Spread(tpTheirs, "N0")}; ratio (same round) {ReferenceAnchor.Spread(tpRatio, "F1")} (goal 30x)");
            Console.WriteLine($"  SH l=10 vectors/s, e3nn min / median / max:      {ReferenceAnchor.Spread(shTheirs, "N0")}; ratio (same round) {ReferenceAnchor.Spread(shRatio, "F0")}");
        }
        return 0;
    }

    private static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out int v) || v <= 0)
            throw new ArgumentException($"{name} needs a positive integer, e.g. {name} {fallback}");
        return v;
    }
}
