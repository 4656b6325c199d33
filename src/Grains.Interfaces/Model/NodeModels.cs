namespace EquiGrid.Grains;

/// <summary>What a compute node offers; sent with every heartbeat and lease request.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.NodeCapabilities")]
public sealed record NodeCapabilities
{
    /// <summary>Node name (the NodeGrain key).</summary>
    [Id(0)] public required string Name { get; init; }
    /// <summary>Logical CPU cores.</summary>
    [Id(1)] public int Cores { get; init; }
    /// <summary>Memory available to trials, in bytes.</summary>
    [Id(2)] public long MemoryBytes { get; init; }
    /// <summary>GPU model, or null on a CPU-only node.</summary>
    [Id(3)] public string? GpuModel { get; init; }
    /// <summary>GPU memory in bytes (0 without a GPU).</summary>
    [Id(4)] public long GpuMemoryBytes { get; init; }
    /// <summary>Measured throughput of a quick bench (higher is faster; 0 = not measured).</summary>
    [Id(5)] public double BenchScore { get; init; }
    /// <summary>How many trials the node runs at once.</summary>
    [Id(6)] public int Slots { get; init; } = 1;

    /// <summary>
    /// Each accelerator (the CPU and every GPU) with its memory and measured training rate for the reference trial;
    /// <see cref="GpuModel"/> and <see cref="GpuMemoryBytes"/> summarise the largest GPU for placement.
    /// </summary>
    [Id(7)] public IReadOnlyList<AcceleratorInfo> Accelerators { get; init; } = [];

    /// <summary>True when the node has a GPU.</summary>
    public bool HasGpu => GpuModel is not null && GpuMemoryBytes > 0;
}

/// <summary>Kinds of accelerator a node can train on (written as "cpu"/"gpu"-like names in JSON).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AcceleratorKind>))]
public enum AcceleratorKind
{
    /// <summary>The node's CPU cores (TorchSharp).</summary>
    Cpu = 0,
    /// <summary>A GPU (the ILGPU path).</summary>
    Gpu = 1,
}

/// <summary>One accelerator of a node as its worker reports it.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.AcceleratorInfo")]
public sealed record AcceleratorInfo
{
    /// <summary>Model name, e.g. "NVIDIA H100 80GB HBM3" or the CPU's model name.</summary>
    [Id(0)] public required string Name { get; init; }
    /// <summary>CPU or GPU.</summary>
    [Id(1)] public AcceleratorKind Kind { get; init; }
    /// <summary>Memory a trial may use on it, in bytes (host memory for the CPU).</summary>
    [Id(2)] public long MemoryBytes { get; init; }
    /// <summary>
    /// Training rate of the reference trial (L = [0,1,2], h = 32, batch 32) in molecules/s; 0 = not known yet. The
    /// scheduler scales it by a trial's relative work to estimate the trial's time there.
    /// </summary>
    [Id(3)] public double ReferenceMoleculesPerSecond { get; init; }
    /// <summary>Where the figures come from: "measured" at the worker's start, or "declared" in its configuration.</summary>
    [Id(4)] public string Source { get; init; } = "measured";
}

/// <summary>A node as the CLI shows it.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.NodeSnapshot")]
public sealed record NodeSnapshot(
    [property: Id(0)] NodeCapabilities Capabilities,
    [property: Id(1)] DateTimeOffset LastHeartbeat,
    [property: Id(2)] IReadOnlyList<string> Leases,
    [property: Id(3)] bool Alive,
    [property: Id(4)] long Heartbeats);
