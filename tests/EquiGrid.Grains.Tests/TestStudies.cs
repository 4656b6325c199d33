namespace EquiGrid.Grains.Tests;

/// <summary>Small study definitions for grain tests (each test uses its own study id so tests do not interfere).</summary>
internal static class TestStudies
{
    public static StudyDefinition Grid(string id, int seeds = 2, int maxAttempts = 3, int priority = 0) => new()
    {
        Id = id,
        Priority = priority,
        MaxAttempts = maxAttempts,
        Base = new TrialSpec { LSet = "0", Hidden = 1, MaxMolecules = 64 },
        Axes =
        [
            new GridAxis("lset", ["0,1,2", "0,3,4,5,6"]),
            new GridAxis("hidden", ["32", "16"]),
            new GridAxis("seed", Enumerable.Range(1, seeds).Select(s => s.ToString()).ToList()),
        ],
    };

    public static NodeCapabilities Node(string name, long memoryGb = 64, string? gpu = null) => new()
    {
        Name = name, Cores = 2, MemoryBytes = memoryGb << 30, GpuModel = gpu, GpuMemoryBytes = gpu is null ? 0 : 80L << 30,
    };

    public static TrialResult Outcome(double mae) => new()
    {
        Spec = new TrialSpec { LSet = "0", Hidden = 1 },
        TestMaeEv = mae, TestRmseEv = mae * 1.3, TestMseNormalized = 0.01, Parameters = 1234,
        Epochs = [new EpochMetrics(0, 1.0, 0.9, 1.5)], WeightsSha256 = "ab",
    };

    /// <summary>A one-block utilisation summary (l = 0 with the given variance share).</summary>
    public static UtilisationSummary Utilisation(double varianceShare) => new()
    {
        Trial = "t", Irreps = "1x0e", Molecules = 10, AblationStatus = "not available",
        Blocks = [new BlockUtilisation { L = 0, Irreps = "1x0e", Dim = 1, VarianceShare = varianceShare }],
    };
}
