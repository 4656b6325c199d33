using EquiGrid.Kernels;

namespace EquiGrid.Training.Gpu.Tests;

public class DeviceSelectionTests
{
    private static readonly Func<IReadOnlyList<CudaDeviceInfo>> NoGpu = () => Array.Empty<CudaDeviceInfo>();
    private static readonly Func<IReadOnlyList<CudaDeviceInfo>> OneGpu = () => new[] { new CudaDeviceInfo("NVIDIA Test", 80L << 30) };

    [Fact]
    public void AutoUsesTheGpuOnlyWhenTheNodeHasOne()
    {
        Assert.Null(DeviceSelection.For("auto", NoGpu));
        Assert.NotNull(DeviceSelection.For("auto", OneGpu));
    }

    [Fact]
    public void CpuNeverAsksForAGpu() =>
        Assert.Null(DeviceSelection.For("cpu", () => throw new InvalidOperationException("cpu must not probe for GPUs")));

    [Fact]
    public void GpuOnANodeWithoutOneFailsWithAClearMessage()
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelection.For("gpu", NoGpu));
        Assert.Contains("device = 'gpu'", e.Message);
        Assert.Contains("no CUDA device", e.Message);
        Assert.NotNull(DeviceSelection.For("gpu", OneGpu));
    }

    [Fact]
    public void ACudaDeviceIndexPastTheDevicesFoundFailsWithTheCount()
    {
        // Holds on any machine: no node has 1000 GPUs (a GPU node measures each of its devices by index).
        var e = Assert.Throws<InvalidOperationException>(() => KernelAccelerator.CreateCuda(1000));
        Assert.Matches(@"^no CUDA device 1000 is available to ILGPU \(\d+ found\)$", e.Message);
        Assert.Throws<InvalidOperationException>(() => KernelAccelerator.CreateCuda(-1));
    }

    [Fact]
    public void AnUnknownDeviceNamesTheFieldAndTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelection.For("tpu", OneGpu));
        Assert.Contains("device = 'tpu'", e.Message);
        Assert.Contains("auto", e.Message);
    }
}
