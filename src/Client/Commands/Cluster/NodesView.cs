using EquiGrid.Grains;
using Spectre.Console;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>The <c>nodes</c> table: one row per accelerator of every node (the CPU and each GPU).</summary>
internal static class NodesView
{
    /// <summary>Column headers, in order.</summary>
    public static readonly string[] Columns =
        ["node", "alive", "accelerator", "kind", "memory (GiB)", "reference molecules/s", "slots", "leases", "last heartbeat"];

    /// <summary>The cells of each row (plain text). A node that reported no accelerators gets one row from its summary.</summary>
    public static IEnumerable<string[]> Rows(IEnumerable<NodeSnapshot> nodes)
    {
        foreach (var n in nodes)
        {
            var c = n.Capabilities;
            IEnumerable<AcceleratorInfo> accelerators = c.Accelerators.Count > 0 ? c.Accelerators
                : c.HasGpu ? [new AcceleratorInfo { Name = c.GpuModel!, Kind = AcceleratorKind.Gpu, MemoryBytes = c.GpuMemoryBytes, Source = "declared" }]
                : [new AcceleratorInfo { Name = $"CPU ({c.Cores} threads)", Kind = AcceleratorKind.Cpu, MemoryBytes = c.MemoryBytes, Source = "declared" }];
            bool first = true;
            foreach (var a in accelerators)
            {
                // Node-wide cells only on a node's first row, so the table reads as groups.
                yield return
                [
                    first ? c.Name : "", first ? (n.Alive ? "yes" : "no") : "", a.Name, a.Kind.ToString().ToLowerInvariant(),
                    (a.MemoryBytes / (double)(1L << 30)).ToString("F1"),
                    a.ReferenceMoleculesPerSecond > 0 ? $"{a.ReferenceMoleculesPerSecond:F1} ({a.Source})" : "not measured",
                    first ? c.Slots.ToString() : "", first ? string.Join(", ", n.Leases) : "", first ? n.LastHeartbeat.ToString("u") : "",
                ];
                first = false;
            }
        }
    }

    /// <summary>The table for the terminal.</summary>
    public static Table Table(IEnumerable<NodeSnapshot> nodes)
    {
        var t = new Table().AddColumns(Columns);
        foreach (var row in Rows(nodes)) t.AddRow(row.Select(Markup.Escape).ToArray());
        return t;
    }
}
