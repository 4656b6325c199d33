using System.Diagnostics;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Synthetic;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// <c>phate [n] [dim] [repeats]</c>: wall time of PHATE (default 13,000 x 128, the size of a QM9 test split's
/// embeddings) on seeded Gaussian clusters, best of the repeats, with the per-stage breakdown of the best run.
/// </summary>
public static class PhateBench
{
    public static int Run(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 13_000;
        int dim = args.Length > 1 ? int.Parse(args[1]) : 128;
        int repeats = args.Length > 2 ? int.Parse(args[2]) : 2;
        var (x, _) = SyntheticData.GaussianClusters(20, n / 20 + 1, dim, 12.0, seed: 7);
        x = x.SelectRows(Enumerable.Range(0, n).ToArray());
        Console.WriteLine($"phate: {n} x {dim}, {Environment.ProcessorCount} cores, {repeats} runs");
        double best = double.PositiveInfinity;
        PhateResult? bestResult = null;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            var res = PhateEmbedder.Embed(x, new PhateOptions());
            double s = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"  run {r + 1}: {s:F1} s (t = {res.T}, {res.LandmarkCount} landmarks)");
            if (s < best) { best = s; bestResult = res; }
        }
        Console.WriteLine($"best: {best:F1} s");
        foreach (var (stage, sec) in bestResult!.StageSeconds) Console.WriteLine($"  {stage,-12} {sec,6:F2} s");
        return 0;
    }
}
