using System.Diagnostics;

namespace EquiGrid.Kernels;

/// <summary>
/// Optional per-operation timing inside <see cref="FusedEdgeTensorProduct"/>, for the training benchmark's step
/// profile. Times are summed over the kernel's worker threads (thread-seconds, not wall-clock), so they show how the
/// kernel's work divides between its operations. Off by default; when off the kernel reads no clock.
/// </summary>
public static class FusedEdgeProfile
{
    /// <summary>The operations timed.</summary>
    public enum Operation
    {
        /// <summary>Forward: gathering a tile's inputs (x[src], Y, h) into scratch.</summary>
        Gather,
        /// <summary>Forward: generating the tile's per-edge weights (s h W, one path at a time).</summary>
        WeightGeneration,
        /// <summary>Forward: coupling and weight contraction per edge.</summary>
        TensorProduct,
        /// <summary>Forward: adding each edge's message into its target node.</summary>
        Scatter,
        /// <summary>Backward: gathering a tile's inputs and dL/dout[dst] into scratch.</summary>
        GatherBackward,
        /// <summary>Backward: generating the per-edge weights again.</summary>
        WeightRegeneration,
        /// <summary>Backward: per-edge weight gradient and coupling backward.</summary>
        TensorProductBackward,
        /// <summary>Backward: dL/dh = dW W^T.</summary>
        FeatureGradient,
        /// <summary>Backward: dL/dW += (s h)^T dW.</summary>
        WeightMatrixGradient,
        /// <summary>Backward: writing per-edge gradients, adding the chunk partials of dL/dW and summing dL/dx per source node.</summary>
        GradientSums,
    }

    private static readonly long[] Ticks = new long[Enum.GetValues<Operation>().Length];

    /// <summary>True while a benchmark measures.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Clears the accumulators.</summary>
    public static void Reset() => Array.Clear(Ticks);

    /// <summary>Thread-seconds accumulated for <paramref name="operation"/>.</summary>
    public static double Seconds(Operation operation) => Interlocked.Read(ref Ticks[(int)operation]) / (double)Stopwatch.Frequency;

    /// <summary>A timestamp when enabled, else 0.</summary>
    internal static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="operation"/> and returns a new start.</summary>
    internal static long Lap(Operation operation, long start)
    {
        if (start == 0) return 0;
        long now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref Ticks[(int)operation], now - start);
        return now;
    }
}
