using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Kernels;

/// <summary>
/// A <see cref="TensorProduct"/> executed by ILGPU kernels (float32): CUDA when present, else ILGPU's CPU
/// accelerator (see <see cref="KernelAccelerator"/>). Same formula, layouts and argument checks as the CPU kernels;
/// host spans are copied to device buffers (kept and grown between calls) and results copied back.
/// Not thread-safe: one instance per thread of use.
/// </summary>
public sealed class IlgpuTensorProduct : IDisposable
{
    private readonly TensorProduct _tp;
    private readonly KernelAccelerator? _ownedAccelerator;
    private readonly Accelerator _accelerator;
    private readonly IlgpuTableBuffers _tables;
    private readonly Action<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _forward;
    private readonly Action<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _gradX1;
    private readonly Action<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _gradX2;
    private readonly Action<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _gradW;
    private readonly Dictionary<string, MemoryBuffer1D<float, Stride1D.Dense>> _buffers = new();

    /// <summary>Runs on the best accelerator available (owned by this instance).</summary>
    public IlgpuTensorProduct(TensorProduct tensorProduct) : this(tensorProduct, KernelAccelerator.Create(), owns: true) { }

    /// <summary>Runs on a given accelerator (not owned: the caller disposes it after this instance).</summary>
    public IlgpuTensorProduct(TensorProduct tensorProduct, KernelAccelerator accelerator) : this(tensorProduct, accelerator, owns: false) { }

    private IlgpuTensorProduct(TensorProduct tensorProduct, KernelAccelerator accelerator, bool owns)
    {
        _tp = tensorProduct ?? throw new ArgumentNullException(nameof(tensorProduct));
        ArgumentNullException.ThrowIfNull(accelerator);
        _ownedAccelerator = owns ? accelerator : null;
        _accelerator = accelerator.Accelerator;
        AcceleratorName = accelerator.Name;
        _tables = new IlgpuTableBuffers(_accelerator, _tp.Plan, _tp);
        _forward = _accelerator.LoadAutoGroupedStreamKernel<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuTensorProductKernels.Forward);
        _gradX1 = _accelerator.LoadAutoGroupedStreamKernel<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuTensorProductKernels.GradX1);
        _gradX2 = _accelerator.LoadAutoGroupedStreamKernel<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuTensorProductKernels.GradX2);
        _gradW = _accelerator.LoadAutoGroupedStreamKernel<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuTensorProductKernels.GradWeights);
    }

    /// <summary>The accelerator in use, e.g. "CPU: CPUAccelerator".</summary>
    public string AcceleratorName { get; }

    /// <summary>The tensor product this instance executes.</summary>
    public TensorProduct Definition => _tp;

    /// <summary>Forward pass; see <see cref="TensorProduct.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.</summary>
    public void Forward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, Span<float> output)
    {
        int rows = _tp.CountRows(x1.Length, x2.Length, weights.Length, output.Length, nameof(output));
        if (rows == 0 || _tp.IrrepsOut.Dim == 0) return;
        var dx1 = Upload("x1", x1); var dx2 = Upload("x2", x2); var dw = Upload("w", weights);
        var dout = Buffer("out", output.Length);
        Launch(_forward, rows, _tp.IrrepsOut.Dim, dx1, dx2, dw, dout);
        dout.View.AsContiguous().SubView(0, output.Length).CopyToCPU(output);
    }

    /// <summary>Backward pass; see <see cref="TensorProduct.Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float})"/>.</summary>
    public void Backward(ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> weights, ReadOnlySpan<float> gradOutput,
        Span<float> gradX1, Span<float> gradX2, Span<float> gradWeights)
    {
        int rows = _tp.CountRows(x1.Length, x2.Length, weights.Length, gradOutput.Length, nameof(gradOutput));
        if (gradX1.Length != x1.Length) throw new ArgumentException($"gradX1 has {gradX1.Length} values but x1 has {x1.Length}: a gradient has its input's shape", nameof(gradX1));
        if (gradX2.Length != x2.Length) throw new ArgumentException($"gradX2 has {gradX2.Length} values but x2 has {x2.Length}: a gradient has its input's shape", nameof(gradX2));
        if (gradWeights.Length != weights.Length) throw new ArgumentException($"gradWeights has {gradWeights.Length} values but weights has {weights.Length}: a gradient has its input's shape", nameof(gradWeights));
        if (rows == 0) return;
        var dx1 = Upload("x1", x1); var dx2 = Upload("x2", x2); var dw = Upload("w", weights); var dg = Upload("g", gradOutput);
        if (_tp.IrrepsIn1.Dim > 0)
        {
            var d = Buffer("gx1", gradX1.Length);
            Launch(_gradX1, rows, _tp.IrrepsIn1.Dim, dx2, dw, dg, d);
            d.View.AsContiguous().SubView(0, gradX1.Length).CopyToCPU(gradX1);
        }
        if (_tp.IrrepsIn2.Dim > 0)
        {
            var d = Buffer("gx2", gradX2.Length);
            Launch(_gradX2, rows, _tp.IrrepsIn2.Dim, dx1, dw, dg, d);
            d.View.AsContiguous().SubView(0, gradX2.Length).CopyToCPU(gradX2);
        }
        if (_tp.WeightNumel > 0)
        {
            var d = Buffer("gw", gradWeights.Length);
            Launch(_gradW, rows, _tp.WeightNumel, dx1, dx2, dg, d);
            d.View.AsContiguous().SubView(0, gradWeights.Length).CopyToCPU(gradWeights);
        }
    }

    /// <summary>
    /// Forward pass on device-resident row-major views of this instance's accelerator ([rows, dim] each); nothing is
    /// copied and nothing synchronises, so a caller can chain it with its own kernels on the same stream.
    /// </summary>
    public void ForwardOnDevice(int rows, ArrayView<float> x1, ArrayView<float> x2, ArrayView<float> weights, ArrayView<float> output)
    {
        if (rows > 0 && _tp.IrrepsOut.Dim > 0) Enqueue(_forward, rows, _tp.IrrepsOut.Dim, x1, x2, weights, output);
    }

    /// <summary>
    /// Backward pass on device-resident views, without copies or synchronisation. A null (default) gradient view is
    /// not computed: training needs dL/dx1 and dL/dW but not the gradient of the spherical harmonics.
    /// </summary>
    public void BackwardOnDevice(int rows, ArrayView<float> x1, ArrayView<float> x2, ArrayView<float> weights, ArrayView<float> gradOutput,
        ArrayView<float> gradX1, ArrayView<float> gradX2, ArrayView<float> gradWeights)
    {
        if (rows == 0) return;
        if (gradX1.IsValid && _tp.IrrepsIn1.Dim > 0) Enqueue(_gradX1, rows, _tp.IrrepsIn1.Dim, x2, weights, gradOutput, gradX1);
        if (gradX2.IsValid && _tp.IrrepsIn2.Dim > 0) Enqueue(_gradX2, rows, _tp.IrrepsIn2.Dim, x1, weights, gradOutput, gradX2);
        if (gradWeights.IsValid && _tp.WeightNumel > 0) Enqueue(_gradW, rows, _tp.WeightNumel, x1, x2, gradOutput, gradWeights);
    }

    private void Launch(Action<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> kernel,
        int rows, int dim, MemoryBuffer1D<float, Stride1D.Dense> a, MemoryBuffer1D<float, Stride1D.Dense> b,
        MemoryBuffer1D<float, Stride1D.Dense> c, MemoryBuffer1D<float, Stride1D.Dense> result)
    {
        Enqueue(kernel, rows, dim, a.View, b.View, c.View, result.View);
        _accelerator.Synchronize();
    }

    private void Enqueue(Action<Index1D, IlgpuTables, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> kernel,
        int rows, int dim, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> result)
    {
        // Index1D is 32-bit: launch whole rows in chunks of fewer than 2^30 threads.
        int rowsPerLaunch = Math.Max(1, (1 << 30) / dim);
        for (int start = 0; start < rows; start += rowsPerLaunch)
        {
            int n = Math.Min(rowsPerLaunch, rows - start);
            kernel(n * dim, _tables.Tables, a, b, c, result, start);
        }
    }

    private MemoryBuffer1D<float, Stride1D.Dense> Upload(string name, ReadOnlySpan<float> data)
    {
        var buffer = Buffer(name, data.Length);
        if (data.Length > 0) buffer.View.AsContiguous().SubView(0, data.Length).CopyFromCPU(data);
        return buffer;
    }

    private MemoryBuffer1D<float, Stride1D.Dense> Buffer(string name, long length)
    {
        if (!_buffers.TryGetValue(name, out var buffer) || buffer.Length < Math.Max(1, length))
        {
            buffer?.Dispose();
            buffer = _accelerator.Allocate1D<float>(Math.Max(1, length));
            _buffers[name] = buffer;
        }
        return buffer;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _buffers.Values) b.Dispose();
        _buffers.Clear();
        _tables.Dispose();
        _ownedAccelerator?.Dispose();
    }
}
