using EquiGrid.Kernels;
using EquiGrid.Kernels.Diagnostics;

namespace EquiGrid.Benchmarks;

/// <summary>Which implementation a tensor-product benchmark times.</summary>
public enum TensorProductEngine
{
    /// <summary>The vectorised multi-threaded CPU kernel (float32).</summary>
    Cpu,

    /// <summary>The dense double-precision reference (single thread): the in-process baseline.</summary>
    Reference,

    /// <summary>The ILGPU kernels on the best accelerator present (CUDA, else ILGPU's CPU accelerator).</summary>
    Ilgpu,
}

/// <summary>
/// Throughput of a tensor product with per-row weights: rows per second, forward or forward + backward, best of a
/// few repetitions after warm-up (<see cref="Throughput.Measure"/>). Shared by <c>equigrid bench tp</c> and the bench
/// project so both report the same quantity. Inputs are seeded standard normals; at most
/// <see cref="MaxWeightsInMemory"/> weights are allocated (longer runs cycle over that many rows).
/// </summary>
public static class TensorProductBenchmark
{
    /// <summary>Measures <paramref name="tp"/> on <paramref name="rows"/> rows.</summary>
    public static ThroughputResult Measure(TensorProduct tp, int rows, bool backward, TensorProductEngine engine = TensorProductEngine.Cpu,
        int repetitions = 5, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(tp);
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be > 0");
        var rng = new Random(seed);
        string name = $"{engine} {(backward ? "forward+backward" : "forward")} {tp.IrrepsIn1} x {tp.IrrepsIn2} -> {tp.IrrepsOut}";
        switch (engine)
        {
            case TensorProductEngine.Cpu:
            {
                int batch = BatchRows(tp, rows);
                var x1 = Normal(rng, batch * tp.IrrepsIn1.Dim); var x2 = Normal(rng, batch * tp.IrrepsIn2.Dim);
                var w = Normal(rng, (long)batch * tp.WeightNumel); var o = new float[batch * tp.IrrepsOut.Dim];
                var g = Normal(rng, batch * tp.IrrepsOut.Dim);
                var gx1 = new float[x1.Length]; var gx2 = new float[x2.Length]; var gw = new float[w.Length];
                return Throughput.Measure(name, rows, () =>
                {
                    for (int done = 0; done < rows; done += batch)
                    {
                        int n = Math.Min(batch, rows - done);
                        var (s1, s2, sw, so) = (n * tp.IrrepsIn1.Dim, n * tp.IrrepsIn2.Dim, n * tp.WeightNumel, n * tp.IrrepsOut.Dim);
                        tp.Forward(x1.AsSpan(0, s1), x2.AsSpan(0, s2), w.AsSpan(0, sw), o.AsSpan(0, so));
                        if (backward) tp.Backward(x1.AsSpan(0, s1), x2.AsSpan(0, s2), w.AsSpan(0, sw), g.AsSpan(0, so), gx1.AsSpan(0, s1), gx2.AsSpan(0, s2), gw.AsSpan(0, sw));
                    }
                }, repetitions);
            }
            case TensorProductEngine.Reference:
            {
                var reference = new ReferenceTensorProduct(tp);
                var x1 = NormalD(rng, rows * tp.IrrepsIn1.Dim); var x2 = NormalD(rng, rows * tp.IrrepsIn2.Dim);
                var w = NormalD(rng, rows * tp.WeightNumel); var o = new double[rows * tp.IrrepsOut.Dim];
                var g = NormalD(rng, rows * tp.IrrepsOut.Dim);
                var gx1 = new double[x1.Length]; var gx2 = new double[x2.Length]; var gw = new double[w.Length];
                return Throughput.Measure(name, rows, () =>
                {
                    reference.Forward(x1, x2, w, o);
                    if (backward) reference.Backward(x1, x2, w, g, gx1, gx2, gw);
                }, repetitions, minSeconds: 0.05);
            }
            case TensorProductEngine.Ilgpu:
            {
                if ((long)rows * Math.Max(tp.WeightNumel, 1) > MaxWeightsInMemory)
                    throw new ArgumentOutOfRangeException(nameof(rows), rows, $"ILGPU benchmark holds all rows' weights at once: use at most {MaxWeightsInMemory / Math.Max(tp.WeightNumel, 1)} rows for {tp.WeightNumel} weights per row");
                using var gpu = new IlgpuTensorProduct(tp);
                var x1 = Normal(rng, rows * tp.IrrepsIn1.Dim); var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim);
                var w = Normal(rng, (long)rows * tp.WeightNumel); var o = new float[rows * tp.IrrepsOut.Dim];
                var g = Normal(rng, rows * tp.IrrepsOut.Dim);
                var gx1 = new float[x1.Length]; var gx2 = new float[x2.Length]; var gw = new float[w.Length];
                var result = Throughput.Measure(name + $" [{gpu.AcceleratorName}]", rows, () =>
                {
                    gpu.Forward(x1, x2, w, o);
                    if (backward) gpu.Backward(x1, x2, w, g, gx1, gx2, gw);
                }, repetitions);
                return result;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine");
        }
    }

    /// <summary>Largest weight array (floats) a benchmark allocates: 64 Mi floats = 256 MiB, far beyond any cache.</summary>
    public const long MaxWeightsInMemory = 64L << 20;

    // Rows whose weights fit the cap: larger runs cycle over that many rows, which still streams the weights from
    // memory (as training does with freshly generated per-edge weights) without allocating gigabytes.
    private static int BatchRows(TensorProduct tp, int rows) =>
        (int)Math.Max(1, Math.Min(rows, MaxWeightsInMemory / Math.Max(1, tp.WeightNumel)));

    private static float[] Normal(Random rng, long n)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return a;
    }

    private static double[] NormalD(Random rng, int n)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return a;
    }
}
