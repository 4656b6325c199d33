using System.Globalization;
using EquiGrid.Kernels;
using EquiGrid.Kernels.Diagnostics;

namespace EquiGrid.Bench;

/// <summary>
/// Spherical-harmonic throughput on this machine, float32, all cores: direct generated kernels vs the recursive
/// baseline (same driver, same SIMD), forward and forward+backward, per order and for two L-sets; and, for l &lt;= 2,
/// bytes written per second against a plain array copy of the same size measured in the same run.
/// Options: --count N (vectors, default 1000000), --repetitions R (default 5), --sets "1;2;0,1,2" (L-sets, ';'-separated).
/// </summary>
internal static class ShBench
{
    public static int Run(string[] args)
    {
        int count = IntOption(args, "--count", 1_000_000);
        int repetitions = IntOption(args, "--repetitions", 5);
        Console.WriteLine($"# SH throughput, float32, {count:N0} vectors, {Environment.ProcessorCount} threads, best of {repetitions}, Vector<float>.Count = {System.Numerics.Vector<float>.Count}");
        var rng = new Random(1);
        var xyz = new float[3 * count];
        for (int i = 0; i < xyz.Length; i++) xyz[i] = (float)(rng.NextDouble() * 2 - 1);

        Console.WriteLine();
        Console.WriteLine("| L | dim | direct fwd (M vec/s) | recursive fwd (M vec/s) | direct / recursive | direct fwd+bwd (M vec/s) | ops direct / recursive |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var sets = StringOption(args, "--sets", "1;2;4;6;8;10;0,1,2;0,3,4,5,6").Split(';').Select(LSet.Parse).ToArray();
        foreach (var set in sets)
        {
            var output = new float[count * set.Dim];
            var gradOut = new float[count * set.Dim];
            Array.Fill(gradOut, 1f);
            var gradXyz = new float[3 * count];
            var direct = Throughput.Measure("direct", count, () => SphericalHarmonics.Forward(set, xyz, output), repetitions);
            var recursive = Throughput.Measure("recursive", count, () => RecursiveSphericalHarmonics.Forward(set, xyz, output), repetitions);
            var both = Throughput.Measure("fwd+bwd", count, () =>
            {
                SphericalHarmonics.Forward(set, xyz, output);
                SphericalHarmonics.Backward(set, xyz, gradOut, gradXyz);
            }, repetitions);
            var ops = ShOpCounts.DirectForward(set).Total;
            var opsRecursive = ShOpCounts.ForOrder(set.LMax).RecursiveForward.Total;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {set} | {set.Dim} | {direct.PerSecond / 1e6:F1} | {recursive.PerSecond / 1e6:F1} | {direct.PerSecond / recursive.PerSecond:F2} | {both.PerSecond / 1e6:F1} | {ops} / {opsRecursive} |"));
        }

        // Large enough (>= 8 M vectors, 96+ MB per array) that both the copy and the kernel stream through DRAM, not cache.
        int bandwidthCount = Math.Max(count, 8_000_000);
        if (bandwidthCount != count)
        {
            xyz = new float[3 * bandwidthCount];
            for (int i = 0; i < xyz.Length; i++) xyz[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        Console.WriteLine();
        Console.WriteLine($"# bandwidth check, {bandwidthCount:N0} vectors: bytes of SH output written per second vs Span.CopyTo of an array of the same size");
        Console.WriteLine("| L | SH bytes written (GB/s) | array copy of the same size (GB/s) | copy / SH |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var set in sets.Where(s => s.LMax <= 2))
        {
            var output = new float[bandwidthCount * set.Dim];
            var source = new float[bandwidthCount * set.Dim];
            var target = new float[bandwidthCount * set.Dim];
            source.AsSpan().Fill(1f);
            double bytes = 4.0 * bandwidthCount * set.Dim;
            var sh = Throughput.Measure("sh", bandwidthCount, () => SphericalHarmonics.Forward(set, xyz, output), repetitions);
            var copy = Throughput.Measure("copy", bandwidthCount, () => source.AsSpan().CopyTo(target), repetitions);
            double shRate = bytes / sh.BestSeconds / 1e9, copyRate = bytes / copy.BestSeconds / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {set} | {shRate:F2} | {copyRate:F2} | {copyRate / shRate:F2} |"));
        }
        return 0;
    }

    private static string StringOption(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        return i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} needs a value, e.g. {name} \"{fallback}\"");
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new ArgumentException($"{name} needs a positive integer, e.g. {name} {fallback}");
        return v;
    }
}
