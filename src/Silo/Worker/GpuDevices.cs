using EquiGrid.Kernels;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The GPUs a worker without declared accelerators reports and measures. The default is every CUDA device ILGPU finds
/// (<see cref="CudaGpuDevices"/>); a host may register another implementation in its services, which is how tests stand
/// ILGPU's CPU accelerator (with a smaller trial) in for a GPU on machines that have none. Whatever the devices, each is
/// measured in a child process (<see cref="GpuMeasurement"/>), never in the silo.
/// </summary>
public interface IGpuDevices
{
    /// <summary>The devices (name and memory); device N of this list is measured as <see cref="Accelerator"/> device N.</summary>
    IReadOnlyList<CudaDeviceInfo> List();

    /// <summary>
    /// What the measuring child opens: <see cref="MeasureAccelerators.Cuda"/>; a stand-in <see cref="MeasureAccelerators.Cpu"/>
    /// (ILGPU's CPU accelerator, which has device 0 only) in tests.
    /// </summary>
    string Accelerator => MeasureAccelerators.Cuda;

    /// <summary>
    /// What the measuring child trains: <see cref="NodeAccelerators.ReferenceTrial"/>. Tests on ILGPU's CPU accelerator
    /// give a smaller trial (that accelerator simulates every GPU thread: the reference trial takes many minutes there).
    /// </summary>
    TrialSpec Trial => NodeAccelerators.ReferenceTrial;
}

/// <summary>The CUDA devices of this machine (none without an NVIDIA GPU and driver).</summary>
public sealed class CudaGpuDevices : IGpuDevices
{
    /// <summary>The one instance (the class holds no state).</summary>
    public static readonly CudaGpuDevices Instance = new();

    private CudaGpuDevices() { }

    /// <inheritdoc />
    public IReadOnlyList<CudaDeviceInfo> List() => KernelAccelerator.CudaDevices();
}
