using System.Diagnostics;

namespace EquiGrid.Training;

/// <summary>
/// Wall-clock accumulators for the phases of a training step and the operations inside them, switched on only by the
/// benchmark so training pays nothing for them.
/// </summary>
public static class StepProfiler
{
    /// <summary>The parts timed.</summary>
    public enum Part
    {
        /// <summary>A whole forward pass including the loss (timed by the benchmark).</summary>
        Forward,
        /// <summary>A whole backward pass (timed by the benchmark).</summary>
        Backward,
        /// <summary>The optimizer step and zeroing the gradients (timed by the benchmark).</summary>
        Optimizer,
        /// <summary>Spherical harmonics kernel, forward.</summary>
        SphericalHarmonics,
        /// <summary>Radial MLP forward with materialised per-edge weights (unfused path only).</summary>
        RadialMlp,
        /// <summary>Tensor-product kernel forward (unfused path).</summary>
        TensorProduct,
        /// <summary>Tensor-product kernel backward (unfused path).</summary>
        TensorProductBackward,
        /// <summary>Fused message kernel forward.</summary>
        MessagesForward,
        /// <summary>Fused message kernel backward.</summary>
        MessagesBackward,
    }

    private static readonly long[] Ticks = new long[Enum.GetValues<Part>().Length];

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
