using EquiGrid.Kernels;

namespace EquiGrid.Training.Model;

/// <summary>Architecture hyper-parameters of the study's model (science.md); defaults are the reference's.</summary>
public sealed record ModelConfig
{
    /// <summary>Spherical-harmonic orders; must contain 0 (the readout uses the scalars).</summary>
    public required LSet LSet { get; init; }
    /// <summary>Hidden multiplicity h.</summary>
    public required int Hidden { get; init; }
    /// <summary>Atom embedding width (64x0e).</summary>
    public int AtomDim { get; init; } = 64;
    /// <summary>num_layers: the network has one initial block and num_layers + 1 hidden blocks.</summary>
    public int Layers { get; init; } = 3;
    /// <summary>Number of Bessel radial basis functions.</summary>
    public int Basis { get; init; } = 20;
    /// <summary>Radial cutoff (Angstrom).</summary>
    public double Cutoff { get; init; } = 6.0;
    /// <summary>Messages are summed into the destination atom and divided by this ("degree norm", sqrt(37)).</summary>
    public double DegreeNorm { get; init; } = Math.Sqrt(37.0);
    /// <summary>Size of the atom-type table (index = atomic number).</summary>
    public int AtomTypes { get; init; } = 100;

    /// <summary>Builds the configuration of a trial spec, validating every field.</summary>
    public static ModelConfig FromSpec(TrialSpec spec)
    {
        var lset = LSet.Parse(spec.LSet);
        var config = new ModelConfig { LSet = lset, Hidden = spec.Hidden, AtomDim = spec.AtomDim, Layers = spec.Layers, Basis = spec.Basis, Cutoff = spec.Cutoff };
        config.Validate();
        return config;
    }

    /// <summary>Throws an ArgumentException naming the bad field and the fix.</summary>
    public void Validate()
    {
        if (!LSet.Contains(0)) throw new ArgumentException($"L-set {LSet} has no order 0: the energy readout needs scalar (l=0) features; add 0 to the L-set");
        if (Hidden < 1) throw new ArgumentException($"hidden = {Hidden}: the hidden multiplicity must be >= 1");
        if (AtomDim < 1) throw new ArgumentException($"atom-dim = {AtomDim}: must be >= 1");
        if (Layers < 0) throw new ArgumentException($"layers = {Layers}: must be >= 0");
        if (Basis < 1) throw new ArgumentException($"basis = {Basis}: must be >= 1");
        if (!(Cutoff > 0)) throw new ArgumentException($"cutoff = {Cutoff}: must be > 0 Angstrom");
    }

    /// <summary>Input irreps of the first block: the atom embedding's scalars.</summary>
    public Irreps EmbeddingIrreps => Irreps.Parse($"{AtomDim}x0e");
    /// <summary>Hidden irreps h x l for every l in the L-set.</summary>
    public Irreps HiddenIrreps => Irreps.Hidden(LSet, Hidden);
    /// <summary>Edge spherical-harmonic irreps (one copy of each order).</summary>
    public Irreps ShIrreps => Irreps.SphericalHarmonics(LSet);
}
