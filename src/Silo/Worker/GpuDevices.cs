using EquiGrid.Kernels;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The GPUs a worker without declared accelerators reports and measures. The default is every CUDA device ILGPU finds
/// (<see cref="CudaGpuDevices"/>); a host may register another implementation in its services, which is how tests stand
/// ILGPU's CPU accelerator (with a smaller trial) in for a GPU on machines that have none.
/// </summary>
public interface IGpuDevices
{
    /// <summary>The devices (name and memory); <see cref="MeasureAsync"/> takes an index into this list.</summary>
    IReadOnlyList<CudaDeviceInfo> List();

    /// <summary>
    /// The training rate of device <paramref name="index"/> of <see cref="List"/> in molecules/s, measured on the
    /// reference trial with the ILGPU engine (<see cref="NodeAccelerators.MeasureGpuAsync"/>).
    /// </summary>
    Task<double> MeasureAsync(int index, int threads, int steps, CancellationToken ct);
}

/// <summary>The CUDA devices of this machine (none without an NVIDIA GPU and driver).</summary>
public sealed class CudaGpuDevices : IGpuDevices
{
    /// <summary>The one instance (the class holds no state).</summary>
    public static readonly CudaGpuDevices Instance = new();

    private CudaGpuDevices() { }

    /// <inheritdoc />
    public IReadOnlyList<CudaDeviceInfo> List() => KernelAccelerator.CudaDevices();

    /// <inheritdoc />
    public async Task<double> MeasureAsync(int index, int threads, int steps, CancellationToken ct)
    {
        using var device = KernelAccelerator.CreateCuda(index);
        return await NodeAccelerators.MeasureGpuAsync(device, threads, steps, ct: ct);
    }
}
