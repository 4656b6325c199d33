using System.Diagnostics;

namespace EquiGrid.Training;

/// <summary>
/// Wall-clock accumulators for the parts of a training step (forward and backward of each part together), switched
/// on only by the benchmark so training pays nothing for them.
/// </summary>
public static class StepProfiler
{
    /// <summary>The parts timed.</summary>
    public enum Part { SphericalHarmonics, TensorProduct, RadialMlp }

    private static readonly long[] Ticks = new long[3];

    /// <summary>True while a benchmark is measuring.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Clears the accumulators.</summary>
    public static void Reset() => Array.Clear(Ticks);

    /// <summary>Seconds accumulated for <paramref name="part"/>.</summary>
    public static double Seconds(Part part) => Ticks[(int)part] / (double)Stopwatch.Frequency;

    /// <summary>Starts timing; dispose the result to stop (no-op when disabled).</summary>
    public static Timing Time(Part part) => new(part, Enabled ? Stopwatch.GetTimestamp() : 0);

    /// <summary>A running measurement.</summary>
    public readonly struct Timing(Part part, long start) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            if (start != 0) Interlocked.Add(ref Ticks[(int)part], Stopwatch.GetTimestamp() - start);
        }
    }
}
