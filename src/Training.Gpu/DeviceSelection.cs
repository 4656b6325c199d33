using EquiGrid.Contracts;
using EquiGrid.Kernels;

namespace EquiGrid.Training.Gpu;

/// <summary>Turns a trial's <c>device</c> (auto, cpu, gpu) into the engine that trains it on this node.</summary>
public static class DeviceSelection
{
    /// <summary>
    /// The engine factory for <paramref name="device"/> on this node: null for TorchSharp on the CPU ("cpu", or "auto"
    /// without a GPU), the ILGPU engine on the first CUDA device for "gpu" or "auto" with one.
    /// </summary>
    /// <param name="device">The trial's device field.</param>
    /// <param name="probe">Lists the node's CUDA devices (default: <see cref="KernelAccelerator.CudaDevices"/>; tests substitute it).</param>
    /// <exception cref="ArgumentException">An unknown value, or "gpu" on a node without a usable CUDA device.</exception>
    public static TrainingEngineFactory? For(string device, Func<IReadOnlyList<CudaDeviceInfo>>? probe = null)
    {
        TrainingDevices.Validate(device);
        if (device == TrainingDevices.Cpu) return null;
        var gpus = (probe ?? KernelAccelerator.CudaDevices)();
        if (gpus.Count == 0)
        {
            if (device == TrainingDevices.Gpu)
                throw new ArgumentException("device = 'gpu' but this node has no CUDA device that ILGPU can use (it needs an NVIDIA GPU and driver): run the trial on a GPU node, or use device auto or cpu");
            return null;
        }
        return (model, _) => new IlgpuTrainingEngine(model, KernelAccelerator.Create(AcceleratorPreference.Cuda), ownsAccelerator: true);
    }
}
