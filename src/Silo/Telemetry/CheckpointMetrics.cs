using EquiGrid.Grains.Telemetry;

namespace EquiGrid.Silo.Telemetry;

/// <summary>Checkpoint size and save latency, recorded by the stores wherever they run (silo or trial child process).</summary>
public static class CheckpointMetrics
{
    /// <summary>Records one committed save.</summary>
    public static void RecordSave(long bytes, TimeSpan elapsed)
    {
        ClusterTelemetry.CheckpointBytes.Record(bytes);
        ClusterTelemetry.CheckpointLatency.Record(elapsed.TotalSeconds);
    }
}
