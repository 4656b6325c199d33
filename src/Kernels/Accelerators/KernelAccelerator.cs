using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace EquiGrid.Kernels;

/// <summary>
/// An ILGPU context and accelerator chosen at run time: a CUDA GPU when one is present, else ILGPU's CPU accelerator
/// (which runs the same kernels with threads; used by the tests). Owns both; dispose it when done.
/// </summary>
public sealed class KernelAccelerator : IDisposable
{
    private KernelAccelerator(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
    }

    /// <summary>The ILGPU context.</summary>
    public Context Context { get; }

    /// <summary>The accelerator kernels run on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>True when running on a CUDA GPU.</summary>
    public bool IsCuda => Accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>Human-readable device name, e.g. "CPUAccelerator" or the GPU's name.</summary>
    public string Name => $"{Accelerator.AcceleratorType}: {Accelerator.Name}";

    /// <summary>
    /// Creates the best available accelerator: CUDA if a device is present (and <paramref name="forceCpu"/> is false),
    /// otherwise the CPU accelerator.
    /// </summary>
    public static KernelAccelerator Create(bool forceCpu = false)
    {
        var context = Context.Create(builder =>
        {
            builder.Optimize(OptimizationLevel.O2).CPU();
            // Registering CUDA on a machine without a driver only yields no devices.
            if (!forceCpu) builder.Cuda();
        });
        try
        {
            Device device = !forceCpu && context.GetCudaDevices().Count > 0 ? context.GetCudaDevice(0) : context.GetCPUDevice(0);
            return new KernelAccelerator(context, device.CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Creates the CPU accelerator (tests, and machines without a GPU).</summary>
    public static KernelAccelerator CreateCpu() => Create(forceCpu: true);

    /// <inheritdoc />
    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
