using EquiGrid.Client.Commands.Cluster;
using EquiGrid.Grains;

namespace EquiGrid.Client.Tests;

/// <summary>The <c>nodes</c> table: a row per accelerator with its memory and reference rate.</summary>
public class NodesViewTests
{
    private static readonly DateTimeOffset Beat = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_accelerator_gets_a_row_with_memory_and_reference_rate()
    {
        var gpuNode = new NodeSnapshot(new NodeCapabilities
        {
            Name = "gpu-1", Cores = 16, Slots = 2, MemoryBytes = 128L << 30, GpuModel = "H100", GpuMemoryBytes = 80L << 30,
            Accelerators =
            [
                new AcceleratorInfo { Name = "Xeon (16 threads)", Kind = AcceleratorKind.Cpu, MemoryBytes = 128L << 30, ReferenceMoleculesPerSecond = 310.5 },
                new AcceleratorInfo { Name = "H100", Kind = AcceleratorKind.Gpu, MemoryBytes = 80L << 30, ReferenceMoleculesPerSecond = 5000, Source = "declared" },
            ],
        }, Beat, ["s/t1", "s/t2"], Alive: true, Heartbeats: 3);
        var oldNode = new NodeSnapshot(new NodeCapabilities { Name = "cpu-1", Cores = 2, MemoryBytes = 24L << 30 }, Beat, [], Alive: false, Heartbeats: 1);
        var rows = NodesView.Rows([gpuNode, oldNode]).ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(NodesView.Columns.Length, r.Length));
        Assert.Equal(["gpu-1", "yes", "Xeon (16 threads)", "cpu", "128.0", "310.5 (measured)", "2", "s/t1, s/t2", "2026-12-01 08:00:00Z"], rows[0]);
        Assert.Equal(["", "", "H100", "gpu", "80.0", "5000.0 (declared)", "", "", ""], rows[1]);
        // A node that reported no accelerators (an older worker) still shows its memory, rate unknown.
        Assert.Equal(["cpu-1", "no", "CPU (2 threads)", "cpu", "24.0", "not measured", "1", "", "2026-12-01 08:00:00Z"], rows[2]);
    }
}
