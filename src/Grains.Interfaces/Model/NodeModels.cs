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

    /// <summary>True when the node has a GPU.</summary>
    public bool HasGpu => GpuModel is not null && GpuMemoryBytes > 0;
}

/// <summary>A node as the CLI shows it.</summary>
[GenerateSerializer, Immutable, Alias("equigrid.NodeSnapshot")]
public sealed record NodeSnapshot(
    [property: Id(0)] NodeCapabilities Capabilities,
    [property: Id(1)] DateTimeOffset LastHeartbeat,
    [property: Id(2)] IReadOnlyList<string> Leases,
    [property: Id(3)] bool Alive,
    [property: Id(4)] long Heartbeats);
