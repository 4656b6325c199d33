using EquiGrid.Kernels;

namespace EquiGrid.Grains.Scheduling;

/// <summary>Where a trial may train: any accelerator (a GPU when the node has one), the CPU only, or a GPU only.</summary>
public enum TrialDevice
{
    /// <summary>A GPU when the node has one, else the CPU.</summary>
    Auto = 0,
    /// <summary>The CPU, on any node (its memory is the node's host memory).</summary>
    Cpu = 1,
    /// <summary>A GPU node only.</summary>
    Gpu = 2,
}

/// <summary>
/// A placement estimate of a trial's size, from its L-set, hidden size, layers and batch. The dominant cost of the
/// model is the per-edge tensor-product weights: one weight per (path, u, w) with h x h per allowed path
/// (l1, l2 -> l3 with the triangle rule and parity l1+l2+l3 even), generated for every edge of a batch in every
/// block (see the platform notes: L=[0,1,2], h=32 gives 11 paths, 11264 weights, 55 MB per block for 32 molecules).
/// Time is estimated relative to the reference trial every node measures (<see cref="ReferenceLSet"/>,
/// h = <see cref="ReferenceHidden"/>): <see cref="RelativeCost"/> is the trial's tensor-product work per molecule over
/// the reference's, so a node that trains the reference at r molecules/s trains this trial at about r / cost.
/// </summary>
public sealed record TrialResourceEstimate(int Paths, long WeightsPerBlock, long Parameters, long MemoryBytes)
{
    /// <summary>Mean directed edges per QM9 molecule with bond graphs (1216 edges / 32 molecules measured).</summary>
    public const double EdgesPerMolecule = 38;

    /// <summary>Width of the radial MLP's hidden layer that produces the per-edge weights.</summary>
    public const int RadialHidden = 64;

    /// <summary>Trials at or above this many bytes are "large" and go to GPU nodes first.</summary>
    public const long LargeTrialBytes = 2L << 30;

    /// <summary>Trials at or above this much work per molecule (times the reference's) go to GPU nodes first.</summary>
    public const double GpuFirstCost = 4.0;

    /// <summary>The reference L-set whose training throughput nodes report.</summary>
    public const string ReferenceLSet = "0,1,2";

    /// <summary>The reference hidden multiplicity.</summary>
    public const int ReferenceHidden = 32;

    /// <summary>Training molecules assumed when a trial uses the whole data set (QM9's ~110,000 training molecules).</summary>
    public const int FullDataSetMolecules = 110_000;

    /// <summary>Tensor-product work per molecule relative to the reference trial (1.0 for L=[0,1,2], h=32, 3 layers).</summary>
    public double RelativeCost { get; init; } = 1.0;

    /// <summary>Molecules the trial trains on over all its epochs.</summary>
    public long MoleculesSeen { get; init; }

    /// <summary>The device the trial asked for.</summary>
    public TrialDevice Device { get; init; }

    /// <summary>True for trials whose memory alone should send them to a GPU node.</summary>
    public bool IsLarge => MemoryBytes >= LargeTrialBytes;

    /// <summary>True for trials that go to GPU nodes first: large in memory or in work per molecule.</summary>
    public bool GpuFirst => IsLarge || RelativeCost >= GpuFirstCost;

    /// <summary>
    /// Estimated training seconds on an accelerator that trains the reference trial at
    /// <paramref name="referenceMoleculesPerSecond"/>; null when that rate is unknown.
    /// </summary>
    public double? EstimatedSeconds(double referenceMoleculesPerSecond) => SecondsAt(WorkOf(RelativeCost, MoleculesSeen), referenceMoleculesPerSecond);

    /// <summary>
    /// A trial's whole work in reference molecules: the molecules it trains over all epochs times its work per molecule
    /// relative to the reference trial (what an accelerator's reference rate divides to give seconds).
    /// </summary>
    public static double WorkOf(double relativeCost, long moleculesSeen) => relativeCost * moleculesSeen;

    /// <summary>
    /// Seconds that <paramref name="work"/> reference molecules (molecules trained x relative work per molecule) take
    /// on an accelerator that trains the reference trial at <paramref name="referenceMoleculesPerSecond"/>; null when
    /// that rate is unknown.
    /// </summary>
    public static double? SecondsAt(double work, double referenceMoleculesPerSecond) =>
        referenceMoleculesPerSecond > 0 ? work / referenceMoleculesPerSecond : null;

    /// <summary>
    /// Reads a trial's <c>device</c> value as a study writes it ("auto", "cpu" or "gpu"; null means auto); anything else
    /// is an <see cref="ArgumentException"/> naming the field and the accepted values.
    /// </summary>
    public static TrialDevice ParseDevice(string? device) => device?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => TrialDevice.Auto,
        "cpu" => TrialDevice.Cpu,
        "gpu" => TrialDevice.Gpu,
        _ => throw new ArgumentException($"device: '{device}' is not a device; use auto (a GPU when the node has one), cpu or gpu"),
    };

    /// <summary>Estimates a trial's parameters, peak memory and relative work; <paramref name="device"/> as the study asks.</summary>
    public static TrialResourceEstimate For(TrialSpec config, TrialDevice device = TrialDevice.Auto)
    {
        var (paths, work) = CountPaths(LSet.Parse(config.LSet).Orders);
        long weights = (long)paths * config.Hidden * config.Hidden;
        int blocks = config.Layers + 2;
        long parameters = blocks * (weights * RadialHidden + (long)RadialHidden * config.Basis);
        // Activations and their gradients for every block's per-edge weights, plus AdamW's two moments, weights and grads.
        long activations = (long)(config.BatchSize * EdgesPerMolecule * weights * sizeof(float)) * blocks * 2;
        long optimiser = parameters * sizeof(float) * 4;
        double cost = (double)work * config.Hidden * config.Hidden * config.Layers / ReferenceWork;
        return new TrialResourceEstimate(paths, weights, parameters, activations + optimiser + (256L << 20))
        {
            RelativeCost = cost,
            MoleculesSeen = (long)(config.MaxMolecules ?? FullDataSetMolecules) * config.Epochs,
            Device = device,
        };
    }

    /// <summary>CG work x h^2 x layers of the reference trial (L=[0,1,2], h=32, 3 layers).</summary>
    private static readonly double ReferenceWork = (double)CountPaths([0, 1, 2]).Work * ReferenceHidden * ReferenceHidden * 3;

    /// <summary>Parity-allowed paths of an L-set and their Clebsch-Gordan work per (u, w) pair, sum of (2l1+1)(2l2+1)(2l3+1).</summary>
    private static (int Paths, long Work) CountPaths(IReadOnlyList<int> orders)
    {
        int paths = 0;
        long work = 0;
        foreach (var l1 in orders)
            foreach (var l2 in orders)
                foreach (var l3 in orders)
                    if (l3 >= Math.Abs(l1 - l2) && l3 <= l1 + l2 && (l1 + l2 + l3) % 2 == 0)
                    {
                        paths++;
                        work += (2L * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1);
                    }
        return (paths, work);
    }
}
