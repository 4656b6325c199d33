namespace EquiGrid.Training.Data;

/// <summary>
/// One QM9 molecule: atoms, DFT positions (Angstrom) and its U0 target. Immutable once loaded.
/// </summary>
/// <param name="GdbId">QM9's "gdb N" index (1..133,885).</param>
/// <param name="AtomicNumbers">Atomic number per atom (H=1, C=6, N=7, O=8, F=9).</param>
/// <param name="Positions">Positions, interleaved x,y,z per atom (length 3 x atoms), Angstrom.</param>
/// <param name="U0Hartree">Internal energy at 0 K in Hartree, as QM9 gives it (NaN when the source has no property).</param>
/// <param name="Smiles">The molecule's SMILES when known (for bond checks and NSPS), else null.</param>
public sealed record Molecule(int GdbId, int[] AtomicNumbers, float[] Positions, double U0Hartree, string? Smiles = null)
{
    /// <summary>Hartree to eV (CODATA, as the reference study).</summary>
    public const double HartreeToEv = 27.211386;

    /// <summary>Number of atoms.</summary>
    public int AtomCount => AtomicNumbers.Length;

    /// <summary>
    /// U0 atomization energy in eV: U0 minus the per-element atom reference energies (science.md), times 27.211386.
    /// </summary>
    public double AtomizationEnergyEv
    {
        get
        {
            double refs = 0;
            foreach (var z in AtomicNumbers) refs += AtomReferenceU0Hartree(z);
            return (U0Hartree - refs) * HartreeToEv;
        }
    }

    /// <summary>QM9's isolated-atom U0 reference energies in Hartree.</summary>
    public static double AtomReferenceU0Hartree(int atomicNumber) => atomicNumber switch
    {
        1 => -0.500273,
        6 => -37.846772,
        7 => -54.583861,
        8 => -75.064579,
        9 => -99.718730,
        _ => throw new ArgumentOutOfRangeException(nameof(atomicNumber), atomicNumber, "QM9 has only H, C, N, O and F"),
    };
}

/// <summary>Directed edges of one molecule's graph (both directions of every bond or radius pair).</summary>
/// <param name="Source">Source atom of each edge.</param>
/// <param name="Target">Destination atom of each edge (messages are summed into it).</param>
public sealed record MoleculeGraph(int[] Source, int[] Target)
{
    /// <summary>Number of directed edges.</summary>
    public int EdgeCount => Source.Length;
}

/// <summary>Label normalisation (E - mean) / std; the study's defaults are mean -76.1160 eV, std 10.3238 eV.</summary>
public sealed record TargetNormalizer(double MeanEv = -76.1160, double StdEv = 10.3238)
{
    /// <summary>Normalised label of an energy in eV.</summary>
    public double Normalize(double ev) => (ev - MeanEv) / StdEv;

    /// <summary>Energy in eV of a normalised label.</summary>
    public double Denormalize(double z) => z * StdEv + MeanEv;
}
