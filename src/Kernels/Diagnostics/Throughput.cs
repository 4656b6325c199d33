using System.Diagnostics;

namespace EquiGrid.Kernels.Diagnostics;

/// <summary>One throughput measurement: items per second, best of several repetitions after warm-up.</summary>
public sealed record ThroughputResult(string Name, long ItemsPerRepetition, int Repetitions, double BestSeconds, double MedianSeconds)
{
    /// <summary>Items per second of the best repetition.</summary>
    public double PerSecond => ItemsPerRepetition / BestSeconds;
}

/// <summary>
/// A small in-process timer for throughput: warm up, then time several repetitions and keep the best (the least
/// disturbed by the rest of the machine). Baselines and candidates measured with it in the same process can be
/// compared as ratios.
/// </summary>
public static class Throughput
{
    /// <summary>Measures <paramref name="body"/>, which processes <paramref name="items"/> items per call.</summary>
    public static ThroughputResult Measure(string name, long items, Action body, int repetitions = 5, int warmup = 1, double minSeconds = 0.2)
    {
        for (int i = 0; i < warmup; i++) body();
        // Repeat the body inside one timed repetition until it lasts minSeconds, so short bodies are timed well.
        var sw = Stopwatch.StartNew();
        body();
        double once = Math.Max(sw.Elapsed.TotalSeconds, 1e-9);
        int inner = Math.Max(1, (int)Math.Ceiling(minSeconds / once));
        var times = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            sw.Restart();
            for (int k = 0; k < inner; k++) body();
            times[r] = sw.Elapsed.TotalSeconds / inner;
        }
        Array.Sort(times);
        return new ThroughputResult(name, items, repetitions, times[0], times[repetitions / 2]);
    }
}
