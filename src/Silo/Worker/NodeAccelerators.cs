using EquiGrid.Grains;
using EquiGrid.Grains.Scheduling;
using EquiGrid.Training;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// What a worker reports about its accelerators: the ones declared in its configuration, or else its CPU with the
/// training rate of the reference trial measured on it. <see cref="Describe"/> folds them into the node's capabilities
/// (the largest GPU and the host memory are what placement compares).
/// </summary>
public static class NodeAccelerators
{
    /// <summary>Training steps of the measurement (batch 32 each, after one warm-up step).</summary>
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
    /// The CUDA devices found on this machine (<see cref="EquiGrid.Kernels.KernelAccelerator.CudaDevices"/>)
    /// as GPU accelerators. Their reference rate is 0 (unknown) until measured on the device: the ILGPU training path
    /// has not yet run on a GPU, so no rate is guessed.
    /// </summary>
    public static IReadOnlyList<AcceleratorInfo> Detected(IReadOnlyList<EquiGrid.Kernels.CudaDeviceInfo> devices) =>
        devices.Select(d => new AcceleratorInfo
        {
            Name = d.Name, Kind = AcceleratorKind.Gpu, MemoryBytes = d.MemoryBytes, ReferenceMoleculesPerSecond = 0, Source = "detected",
        }).ToList();

    /// <summary>This machine's CPU, with a measured reference rate (0 until measured).</summary>
    public static AcceleratorInfo Cpu(double moleculesPerSecond) => new()
    {
        Name = CpuModelName(), Kind = AcceleratorKind.Cpu, MemoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        ReferenceMoleculesPerSecond = moleculesPerSecond, Source = "measured",
    };

    /// <summary>
    /// Trains the reference trial (the product's trainer, batch 32 of the shipped QM9 subset) for
    /// <see cref="MeasureSteps"/> steps after a warm-up step on <paramref name="threads"/> threads; the median step
    /// rate in molecules/s.
    /// </summary>
    public static async Task<double> MeasureCpuAsync(int threads, CancellationToken ct = default)
    {
        var spec = new TrialSpec
        {
            LSet = TrialResourceEstimate.ReferenceLSet, Hidden = TrialResourceEstimate.ReferenceHidden, BatchSize = 32, Epochs = 1,
            MaxMolecules = 32 * (MeasureSteps + 1),
        };
        var steps = new StepRates();
        await new Trainer(spec, TrialData.Load(spec), new TrainerOptions { Threads = threads, ReportEverySteps = 1, Progress = steps }).RunAsync(ct);
        return steps.Median();
    }

    /// <summary>Collects per-step rates synchronously (Progress&lt;T&gt; would post them later), the warm-up step left out.</summary>
    private sealed class StepRates : IProgress<TrainingProgress>
    {
        private readonly List<double> _rates = [];

        public void Report(TrainingProgress p)
        {
            if (!p.EpochEnd && p.Step > 1) _rates.Add(p.MoleculesPerSecond);
        }

        public double Median() => _rates.Count == 0 ? 0 : _rates.Order().ElementAt(_rates.Count / 2);
    }

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
