using EquiGrid.Kernels;

namespace EquiGrid.Training.Gpu.Tests;

/// <summary>
/// One ILGPU accelerator shared by the tests (kernels compile once per accelerator). ILGPU's CPU accelerator by default,
/// so the suite runs anywhere; EQUIGRID_ACCELERATOR=cuda runs the same tests on the CUDA accelerator (scripts/gpu-check.sh)
/// and fails when there is no CUDA device.
/// </summary>
public sealed class AcceleratorFixture : IDisposable
{
    public AcceleratorFixture()
    {
        bool cuda = string.Equals(Environment.GetEnvironmentVariable("EQUIGRID_ACCELERATOR")?.Trim(), "cuda", StringComparison.OrdinalIgnoreCase);
        Accelerator = KernelAccelerator.Create(cuda ? AcceleratorPreference.Cuda : AcceleratorPreference.Cpu);
    }

    public KernelAccelerator Accelerator { get; }

    public void Dispose() => Accelerator.Dispose();
}

[CollectionDefinition(Name)]
public sealed class AcceleratorCollection : ICollectionFixture<AcceleratorFixture>
{
    public const string Name = "ILGPU accelerator";
}
