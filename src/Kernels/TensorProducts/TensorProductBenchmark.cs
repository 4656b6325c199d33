using EquiGrid.Kernels.Diagnostics;

namespace EquiGrid.Kernels;

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
/// project so both report the same quantity. Inputs are seeded standard normals.
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
                var x1 = Normal(rng, rows * tp.IrrepsIn1.Dim); var x2 = Normal(rng, rows * tp.IrrepsIn2.Dim);
                var w = Normal(rng, (long)rows * tp.WeightNumel); var o = new float[rows * tp.IrrepsOut.Dim];
                var g = Normal(rng, rows * tp.IrrepsOut.Dim);
                var gx1 = new float[x1.Length]; var gx2 = new float[x2.Length]; var gw = new float[w.Length];
                return Throughput.Measure(name, rows, () =>
                {
                    tp.Forward(x1, x2, w, o);
                    if (backward) tp.Backward(x1, x2, w, g, gx1, gx2, gw);
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
