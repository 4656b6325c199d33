using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace EquiGrid.Kernels;

/// <summary>Which ILGPU accelerator to use.</summary>
public enum AcceleratorPreference
{
    /// <summary>CUDA when a device and driver are present, else ILGPU's CPU accelerator (or the EQUIGRID_ACCELERATOR variable: "cpu" or "cuda").</summary>
    Best,

    /// <summary>ILGPU's CPU accelerator (a multi-threaded simulator of the GPU model: what tests use).</summary>
    Cpu,

    /// <summary>The first CUDA device; fails when there is none.</summary>
    Cuda,
}

/// <summary>
/// An ILGPU context plus one accelerator, chosen at run time: the same kernels run on a CUDA GPU where one is lent
/// and on ILGPU's CPU accelerator everywhere else, so code and tests do not depend on the machine.
/// </summary>
public sealed class KernelAccelerator : IDisposable
{
    private KernelAccelerator(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
    }

    /// <summary>The ILGPU context (owned).</summary>
    public Context Context { get; }

    /// <summary>The accelerator kernels are loaded on (owned).</summary>
    public Accelerator Accelerator { get; }

    /// <summary>True when running on a CUDA device.</summary>
    public bool IsCuda => Accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>Short description, e.g. "Cuda: NVIDIA H100" or "CPU: CPUAccelerator".</summary>
    public string Name => $"{Accelerator.AcceleratorType}: {Accelerator.Name}";

    /// <summary>Creates the accelerator for <paramref name="preference"/>.</summary>
    /// <exception cref="InvalidOperationException">CUDA was required and no CUDA device is usable.</exception>
    public static KernelAccelerator Create(AcceleratorPreference preference = AcceleratorPreference.Best)
    {
        if (preference == AcceleratorPreference.Best)
        {
            var env = Environment.GetEnvironmentVariable("EQUIGRID_ACCELERATOR")?.Trim().ToLowerInvariant();
            preference = env switch
            {
                null or "" or "best" => AcceleratorPreference.Best,
                "cpu" => AcceleratorPreference.Cpu,
                "cuda" => AcceleratorPreference.Cuda,
                _ => throw new ArgumentException($"EQUIGRID_ACCELERATOR='{env}' is not one of best, cpu, cuda", "EQUIGRID_ACCELERATOR"),
            };
        }
        if (preference != AcceleratorPreference.Cpu)
        {
            Context? context = null;
            try
            {
                context = Context.Create(b => b.Cuda().CPU().Math(MathMode.Fast32BitOnly).Optimize(OptimizationLevel.O2));
                if (context.GetCudaDevices().Count > 0)
                    return new KernelAccelerator(context, context.CreateCudaAccelerator(0));
            }
            catch (Exception e) when (preference == AcceleratorPreference.Best && e is not OutOfMemoryException)
            {
                // No driver or an unusable device: fall back to the CPU accelerator below.
            }
            context?.Dispose();
            if (preference == AcceleratorPreference.Cuda)
                throw new InvalidOperationException("no CUDA device is available to ILGPU: use the CPU accelerator (EQUIGRID_ACCELERATOR=cpu)");
        }
        var cpuContext = Context.Create(b => b.CPU().Optimize(OptimizationLevel.O2));
        return new KernelAccelerator(cpuContext, cpuContext.CreateCPUAccelerator(0));
    }

    /// <summary>
    /// The CUDA devices ILGPU can use on this machine (name and memory), probed without keeping a context; empty when
    /// there is no NVIDIA driver or no device. This is what "the node has a GPU" means for training and placement.
    /// </summary>
    public static IReadOnlyList<CudaDeviceInfo> CudaDevices()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            var devices = new List<CudaDeviceInfo>();
            foreach (var d in context.GetCudaDevices()) devices.Add(new CudaDeviceInfo(d.Name, d.MemorySize));
            return devices;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Array.Empty<CudaDeviceInfo>(); // no driver, or a driver ILGPU cannot use: no GPU for us
        }
    }

    /// <summary>
    /// The CUDA device at <paramref name="deviceIndex"/> in <see cref="CudaDevices"/>' order (a node with several GPUs
    /// measures each one).
    /// </summary>
    /// <exception cref="InvalidOperationException">No CUDA device with that index is usable.</exception>
    public static KernelAccelerator CreateCuda(int deviceIndex)
    {
        Context? context = null;
        try
        {
            context = Context.Create(b => b.Cuda().CPU().Math(MathMode.Fast32BitOnly).Optimize(OptimizationLevel.O2));
            int count = context.GetCudaDevices().Count;
            if (deviceIndex < 0 || deviceIndex >= count)
                throw new InvalidOperationException($"no CUDA device {deviceIndex} is available to ILGPU ({count} found)");
            return new KernelAccelerator(context, context.CreateCudaAccelerator(deviceIndex));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context?.Dispose();
            if (e is InvalidOperationException) throw;
            throw new InvalidOperationException($"CUDA device {deviceIndex} could not be opened by ILGPU: {e.Message}", e);
        }
    }

    /// <summary>ILGPU's CPU accelerator (tests, and machines without a GPU).</summary>
    public static KernelAccelerator CreateCpu() => Create(AcceleratorPreference.Cpu);

    /// <inheritdoc />
    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

/// <summary>A CUDA device as ILGPU reports it.</summary>
/// <param name="Name">The device name, e.g. "NVIDIA H100 80GB HBM3".</param>
/// <param name="MemoryBytes">Global memory in bytes.</param>
public sealed record CudaDeviceInfo(string Name, long MemoryBytes);
