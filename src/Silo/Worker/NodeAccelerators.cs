using EquiGrid.Grains;
using EquiGrid.Grains.Scheduling;
using EquiGrid.Kernels;
using EquiGrid.Training;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// What a worker reports about its accelerators: the ones declared in its configuration, or else its CPU and its CUDA
/// devices, each with the training rate of the reference trial measured on it. <see cref="Describe"/> folds them into the node's capabilities
/// (the largest GPU and the host memory are what placement compares).
/// </summary>
public static class NodeAccelerators
{
    /// <summary>Training steps of a measurement by default (batch 32 each, after one warm-up step).</summary>
    public const int MeasureSteps = 4;

    /// <summary>
    /// The declared accelerators; a bad entry is an <see cref="ArgumentException"/> naming its configuration key and
    /// the fix.
    /// </summary>
    public static IReadOnlyList<AcceleratorInfo> Declared(IReadOnlyList<AcceleratorSettings> declared)
    {
        var result = new List<AcceleratorInfo>();
        for (int i = 0; i < declared.Count; i++)
        {
            var d = declared[i];
            var key = $"EquiGrid:Worker:Accelerators:{i}";
            if (string.IsNullOrWhiteSpace(d.Name)) throw new ArgumentException($"{key}:Name: missing; give the accelerator's model name, e.g. H100");
            var kind = d.Kind.ToLowerInvariant() switch
            {
                "cpu" => AcceleratorKind.Cpu,
                "gpu" => AcceleratorKind.Gpu,
                _ => throw new ArgumentException($"{key}:Kind: '{d.Kind}' is not a kind; use cpu or gpu"),
            };
            if (!(d.MemoryGiB > 0)) throw new ArgumentException($"{key}:MemoryGiB: {d.MemoryGiB} must be a positive number of GiB, e.g. 80");
            if (!(d.MoleculesPerSecond >= 0)) throw new ArgumentException($"{key}:MoleculesPerSecond: {d.MoleculesPerSecond} must be >= 0 (0 = unknown)");
            result.Add(new AcceleratorInfo
            {
                Name = d.Name, Kind = kind, MemoryBytes = (long)(d.MemoryGiB * (1L << 30)),
                ReferenceMoleculesPerSecond = d.MoleculesPerSecond, Source = "declared",
            });
        }
        return result;
    }

    /// <summary>
    /// The CUDA devices found on this machine (<see cref="IGpuDevices.List"/>) as GPU accelerators, their reference rate
    /// 0 (unknown) until <see cref="GpuMeasurement"/> has measured it on the device (<see cref="Measured"/>).
    /// </summary>
    public static IReadOnlyList<AcceleratorInfo> Detected(IReadOnlyList<CudaDeviceInfo> devices) =>
        devices.Select(d => new AcceleratorInfo
        {
            Name = d.Name, Kind = AcceleratorKind.Gpu, MemoryBytes = d.MemoryBytes, ReferenceMoleculesPerSecond = 0, Source = "detected",
        }).ToList();

    /// <summary><paramref name="accelerator"/> with the reference rate measured on it.</summary>
    public static AcceleratorInfo Measured(AcceleratorInfo accelerator, double moleculesPerSecond) =>
        accelerator with { ReferenceMoleculesPerSecond = moleculesPerSecond, Source = "measured" };

    /// <summary>This machine's CPU, with a measured reference rate (0 until measured).</summary>
    public static AcceleratorInfo Cpu(double moleculesPerSecond) => new()
    {
        Name = CpuModelName(), Kind = AcceleratorKind.Cpu, MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        ReferenceMoleculesPerSecond = moleculesPerSecond, Source = "measured",
    };

    /// <summary>
    /// The trial every accelerator is measured on: L = [0,1,2], h = 32 (the scheduler's reference for relative work),
    /// batch 32 of the shipped QM9 subset, the default seed.
    /// </summary>
    public static TrialSpec ReferenceTrial { get; } = new()
    {
        LSet = TrialResourceEstimate.ReferenceLSet, Hidden = TrialResourceEstimate.ReferenceHidden, BatchSize = 32, Epochs = 1,
    };

    /// <summary>
    /// Trains <see cref="ReferenceTrial"/> with TorchSharp (the product's trainer) for <paramref name="steps"/> steps
    /// after a warm-up step on <paramref name="threads"/> threads, in this process; the median step rate in molecules/s.
    /// A GPU is measured in a child process instead (<see cref="GpuMeasurement"/>).
    /// </summary>
    public static Task<double> MeasureCpuAsync(int threads, int steps = MeasureSteps, CancellationToken ct = default) =>
        TrainingRate.MeasureAsync(ReferenceTrial, threads, engine: null, steps, ct);

    /// <summary>
    /// The node's capabilities with <paramref name="accelerators"/>: a declared CPU sets the host memory, the GPU with
    /// the most memory sets <see cref="NodeCapabilities.GpuModel"/> and <see cref="NodeCapabilities.GpuMemoryBytes"/>.
    /// </summary>
    public static NodeCapabilities Describe(NodeCapabilities node, IReadOnlyList<AcceleratorInfo> accelerators)
    {
        var cpu = accelerators.FirstOrDefault(a => a.Kind == AcceleratorKind.Cpu);
        var gpu = accelerators.Where(a => a.Kind == AcceleratorKind.Gpu).MaxBy(a => a.MemoryBytes);
        return node with
        {
            Accelerators = accelerators,
            MemoryBytes = cpu?.MemoryBytes ?? node.MemoryBytes,
            GpuModel = gpu?.Name ?? node.GpuModel,
            GpuMemoryBytes = gpu?.MemoryBytes ?? node.GpuMemoryBytes,
        };
    }

    private static string CpuModelName()
    {
        try
        {
            // Linux: the first "model name" line; elsewhere (or without /proc) a generic name.
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line?.Split(':', 2) is [_, var name] && name.Trim().Length > 0) return $"{name.Trim()} ({Environment.ProcessorCount} threads)";
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"CPU ({Environment.ProcessorCount} threads)";
    }
}
