using EquiGrid.Kernels;

namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// A placement estimate of a trial's size, from its L-set, hidden size, layers and batch. The dominant cost of the
/// model is the per-edge tensor-product weights: one weight per (path, u, w) with h x h per allowed path
/// (l1, l2 -> l3 with the triangle rule and parity l1+l2+l3 even), generated for every edge of a batch in every
/// block (see the platform notes: L=[0,1,2], h=32 gives 11 paths, 11264 weights, 55 MB per block for 32 molecules).
/// </summary>
public sealed record TrialResourceEstimate(int Paths, long WeightsPerBlock, long Parameters, long MemoryBytes)
{
    /// <summary>Mean directed edges per QM9 molecule with bond graphs (1216 edges / 32 molecules measured).</summary>
    public const double EdgesPerMolecule = 38;

    /// <summary>Width of the radial MLP's hidden layer that produces the per-edge weights.</summary>
    public const int RadialHidden = 64;

    /// <summary>Trials at or above this many bytes are "large" and go to GPU nodes when any is alive.</summary>
    public const long LargeTrialBytes = 2L << 30;

    /// <summary>True for trials that should prefer a GPU node.</summary>
    public bool IsLarge => MemoryBytes >= LargeTrialBytes;

    /// <summary>Estimates a trial's parameters and peak memory.</summary>
    public static TrialResourceEstimate For(TrialSpec config)
    {
        var orders = LSet.Parse(config.LSet).Orders;
        int paths = 0;
        foreach (var l1 in orders)
            foreach (var l2 in orders)
                foreach (var l3 in orders)
                    if (l3 >= Math.Abs(l1 - l2) && l3 <= l1 + l2 && (l1 + l2 + l3) % 2 == 0) paths++;
        long weights = (long)paths * config.Hidden * config.Hidden;
        int blocks = config.Layers + 2;
        long parameters = blocks * (weights * RadialHidden + (long)RadialHidden * config.Basis);
        // Activations and their gradients for every block's per-edge weights, plus AdamW's two moments, weights and grads.
        long activations = (long)(config.BatchSize * EdgesPerMolecule * weights * sizeof(float)) * blocks * 2;
        long optimiser = parameters * sizeof(float) * 4;
        return new TrialResourceEstimate(paths, weights, parameters, activations + optimiser + (256L << 20));
    }
}
