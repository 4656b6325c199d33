using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Kernels;

/// <summary>
/// The spherical harmonics on an ILGPU accelerator (CUDA when present, else the CPU accelerator): one kernel per order
/// calling the same generated scalar polynomials as the CPU path, one thread per vector. Same layouts, normalisations
/// and zero-vector rule as <see cref="SphericalHarmonics"/>. Kernels are compiled on first use and cached.
/// </summary>
public sealed class IlgpuSphericalHarmonics
{
    private readonly KernelAccelerator _accelerator;
    private readonly ConcurrentDictionary<(int L, Type T, bool Backward), Delegate> _kernels = new();

    /// <summary>Uses <paramref name="accelerator"/> (not owned: the caller disposes it).</summary>
    public IlgpuSphericalHarmonics(KernelAccelerator accelerator)
    {
        _accelerator = accelerator ?? throw new ArgumentNullException(nameof(accelerator));
    }

    /// <summary>The accelerator in use.</summary>
    public KernelAccelerator Accelerator => _accelerator;

    /// <summary>Forward on host data (float32): copies in, runs, copies out.</summary>
    public void Forward(LSet lset, ReadOnlySpan<float> xyz, Span<float> output, ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        SphericalHarmonics.Validate(lset, xyz.Length, output.Length, normalization);
        var acc = _accelerator.Accelerator;
        using var dIn = acc.Allocate1D<float>(xyz.Length);
        using var dOut = acc.Allocate1D<float>(output.Length);
        dIn.View.AsContiguous().CopyFromCPU(xyz);
        Forward(lset, dIn.View, dOut.View, normalization, normalizeInput);
        dOut.View.AsContiguous().CopyToCPU(output);
    }

    /// <summary>Forward on host data (float64).</summary>
    public void Forward(LSet lset, ReadOnlySpan<double> xyz, Span<double> output, ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        SphericalHarmonics.Validate(lset, xyz.Length, output.Length, normalization);
        var acc = _accelerator.Accelerator;
        using var dIn = acc.Allocate1D<double>(xyz.Length);
        using var dOut = acc.Allocate1D<double>(output.Length);
        dIn.View.AsContiguous().CopyFromCPU(xyz);
        Forward(lset, dIn.View, dOut.View, normalization, normalizeInput);
        dOut.View.AsContiguous().CopyToCPU(output);
    }

    /// <summary>Forward on device-resident views (float32); synchronises before returning.</summary>
    public void Forward(LSet lset, ArrayView<float> xyz, ArrayView<float> output, ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        var layout = SphericalHarmonics.Validate(lset, CheckedLength(xyz.Length, "xyz"), CheckedLength(output.Length, "output"), normalization);
        int n = (int)(xyz.Length / 3);
        for (int i = 0; i < layout.Orders.Length; i++)
        {
            int l = layout.Orders[i];
            var kernel = (Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float, int>)_kernels.GetOrAdd((l, typeof(float), false),
                key => _accelerator.Accelerator.LoadAutoGroupedStreamKernel(ShIlgpuKernels.ForwardF(key.L)));
            if (n > 0) kernel(n, xyz, output, layout.Dim, layout.Offsets[i], (float)layout.Scales[layout.Offsets[i]], normalizeInput ? 1 : 0);
        }
        _accelerator.Accelerator.Synchronize();
    }

    /// <summary>Forward on device-resident views (float64); synchronises before returning.</summary>
    public void Forward(LSet lset, ArrayView<double> xyz, ArrayView<double> output, ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        EnsureFloat64();
        var layout = SphericalHarmonics.Validate(lset, CheckedLength(xyz.Length, "xyz"), CheckedLength(output.Length, "output"), normalization);
        int n = (int)(xyz.Length / 3);
        for (int i = 0; i < layout.Orders.Length; i++)
        {
            int l = layout.Orders[i];
            var kernel = (Action<Index1D, ArrayView<double>, ArrayView<double>, int, int, double, int>)_kernels.GetOrAdd((l, typeof(double), false),
                key => _accelerator.Accelerator.LoadAutoGroupedStreamKernel(ShIlgpuKernels.ForwardD(key.L)));
            if (n > 0) kernel(n, xyz, output, layout.Dim, layout.Offsets[i], layout.Scales[layout.Offsets[i]], normalizeInput ? 1 : 0);
        }
        _accelerator.Accelerator.Synchronize();
    }

    /// <summary>Vector-Jacobian product on host data (float32); <paramref name="gradXyz"/> is overwritten.</summary>
    public void Backward(LSet lset, ReadOnlySpan<float> xyz, ReadOnlySpan<float> gradOutput, Span<float> gradXyz,
        ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        SphericalHarmonics.Validate(lset, xyz.Length, gradOutput.Length, normalization, nameof(gradOutput));
        SphericalHarmonics.ValidateGradXyz(xyz.Length, gradXyz.Length);
        var acc = _accelerator.Accelerator;
        using var dIn = acc.Allocate1D<float>(xyz.Length);
        using var dGradOut = acc.Allocate1D<float>(gradOutput.Length);
        using var dGradIn = acc.Allocate1D<float>(gradXyz.Length);
        dIn.View.AsContiguous().CopyFromCPU(xyz);
        dGradOut.View.AsContiguous().CopyFromCPU(gradOutput);
        Backward(lset, dIn.View, dGradOut.View, dGradIn.View, normalization, normalizeInput);
        dGradIn.View.AsContiguous().CopyToCPU(gradXyz);
    }

    /// <summary>Vector-Jacobian product on host data (float64); <paramref name="gradXyz"/> is overwritten.</summary>
    public void Backward(LSet lset, ReadOnlySpan<double> xyz, ReadOnlySpan<double> gradOutput, Span<double> gradXyz,
        ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        SphericalHarmonics.Validate(lset, xyz.Length, gradOutput.Length, normalization, nameof(gradOutput));
        SphericalHarmonics.ValidateGradXyz(xyz.Length, gradXyz.Length);
        var acc = _accelerator.Accelerator;
        using var dIn = acc.Allocate1D<double>(xyz.Length);
        using var dGradOut = acc.Allocate1D<double>(gradOutput.Length);
        using var dGradIn = acc.Allocate1D<double>(gradXyz.Length);
        dIn.View.AsContiguous().CopyFromCPU(xyz);
        dGradOut.View.AsContiguous().CopyFromCPU(gradOutput);
        Backward(lset, dIn.View, dGradOut.View, dGradIn.View, normalization, normalizeInput);
        dGradIn.View.AsContiguous().CopyToCPU(gradXyz);
    }

    /// <summary>Vector-Jacobian product on device-resident views (float32); <paramref name="gradXyz"/> is overwritten.</summary>
    public void Backward(LSet lset, ArrayView<float> xyz, ArrayView<float> gradOutput, ArrayView<float> gradXyz,
        ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        var layout = SphericalHarmonics.Validate(lset, CheckedLength(xyz.Length, "xyz"), CheckedLength(gradOutput.Length, "gradOutput"), normalization, nameof(gradOutput));
        SphericalHarmonics.ValidateGradXyz((int)xyz.Length, CheckedLength(gradXyz.Length, "gradXyz"));
        int n = (int)(xyz.Length / 3);
        gradXyz.MemSetToZero();
        // One launch per order, in order on the same stream: each accumulates into gradXyz after the previous one.
        for (int i = 0; i < layout.Orders.Length; i++)
        {
            int l = layout.Orders[i];
            var kernel = (Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, int>)_kernels.GetOrAdd((l, typeof(float), true),
                key => _accelerator.Accelerator.LoadAutoGroupedStreamKernel(ShIlgpuKernels.BackwardF(key.L)));
            if (n > 0) kernel(n, xyz, gradOutput, gradXyz, layout.Dim, layout.Offsets[i], (float)layout.Scales[layout.Offsets[i]], normalizeInput ? 1 : 0);
        }
        _accelerator.Accelerator.Synchronize();
    }

    /// <summary>Vector-Jacobian product on device-resident views (float64); <paramref name="gradXyz"/> is overwritten.</summary>
    public void Backward(LSet lset, ArrayView<double> xyz, ArrayView<double> gradOutput, ArrayView<double> gradXyz,
        ShNormalization normalization = ShNormalization.Component, bool normalizeInput = true)
    {
        EnsureFloat64();
        var layout = SphericalHarmonics.Validate(lset, CheckedLength(xyz.Length, "xyz"), CheckedLength(gradOutput.Length, "gradOutput"), normalization, nameof(gradOutput));
        SphericalHarmonics.ValidateGradXyz((int)xyz.Length, CheckedLength(gradXyz.Length, "gradXyz"));
        int n = (int)(xyz.Length / 3);
        gradXyz.MemSetToZero();
        for (int i = 0; i < layout.Orders.Length; i++)
        {
            int l = layout.Orders[i];
            var kernel = (Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, double, int>)_kernels.GetOrAdd((l, typeof(double), true),
                key => _accelerator.Accelerator.LoadAutoGroupedStreamKernel(ShIlgpuKernels.BackwardD(key.L)));
            if (n > 0) kernel(n, xyz, gradOutput, gradXyz, layout.Dim, layout.Offsets[i], layout.Scales[layout.Offsets[i]], normalizeInput ? 1 : 0);
        }
        _accelerator.Accelerator.Synchronize();
    }

    // A context built with MathMode.Fast32BitOnly (KernelAccelerator's CUDA context) demotes every double operation to
    // float: float64 results would silently carry float32 precision, so refuse instead.
    private void EnsureFloat64()
    {
        if (_accelerator.Context.Properties.MathMode == MathMode.Fast32BitOnly)
            throw new NotSupportedException(
                $"float64 spherical harmonics on {_accelerator.Name} would run in float32 (ILGPU MathMode.Fast32BitOnly): use float32 here or the CPU path (SphericalHarmonics) for float64");
    }

    private static int CheckedLength(long length, string name) =>
        length <= int.MaxValue ? (int)length : throw new ArgumentException($"{name} has {length} values; at most {int.MaxValue} are supported per call", name);
}
