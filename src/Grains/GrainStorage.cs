namespace EquiGrid.Grains;

/// <summary>Names shared by the grains and the silo configuration.</summary>
public static class GrainStorage
{
    /// <summary>The grain storage provider every EquiGrid grain persists to (file, Redis or memory per profile).</summary>
    public const string Name = "equigrid";
}

/// <summary>Scheduling and lease timing, bound from the silo configuration section "EquiGrid:Scheduling".</summary>
public sealed class SchedulingOptions
{
    /// <summary>How long a lease lasts without renewal. Workers renew at a third of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How often the scheduler scans for lapsed leases.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Upper bound on any grain-to-grain call the scheduler makes, so one stuck trial cannot stall dispatch.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>A node not heard from for this long is considered gone.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Checkpoint pointers kept per trial (the blob store keeps the same number of blobs).</summary>
    public int CheckpointsKept { get; set; } = 3;
    /// <summary>
    /// Infrastructure failures (lease lapsed, node lost, runner killed by a signal, storage unreachable) a trial may
    /// suffer before it is marked failed. High on purpose: they are not the trial's fault and do not use up
    /// <c>max_attempts</c>; the cap only stops a trial that kills every node it lands on from circulating forever.
    /// </summary>
    public int MaxInfrastructureFailures { get; set; } = 100;
    /// <summary>Wait before a trial is leased again after its first infrastructure failure; doubles with each further one.</summary>
    public TimeSpan InfrastructureBackoff { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Upper bound of that backoff.</summary>
    public TimeSpan MaxInfrastructureBackoff { get; set; } = TimeSpan.FromMinutes(5);
}
