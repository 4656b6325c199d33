namespace EquiGrid.Training.Data;

/// <summary>A covalent bond between atoms <paramref name="I"/> &lt; <paramref name="J"/> of one molecule.</summary>
public readonly record struct Bond(int I, int J);

/// <summary>
/// Perceives covalent bonds from geometry, since QM9's xyz files carry none: atoms i, j are bonded when
/// d(i, j) &lt; r_i + r_j + tolerance, with single-bond covalent radii of Cordero et al., "Covalent radii
/// revisited", Dalton Trans. 2008, 2832 (H 0.31, C(sp3) 0.76, N 0.71, O 0.66, F 0.57 Angstrom). A hydrogen keeps only
/// its nearest candidate partner, because H is monovalent and its 1,3 contacts can fall inside the tolerance.
/// </summary>
public static class BondPerception
{
    /// <summary>Default tolerance (Angstrom) added to the radius sum; chosen by the agreement with SMILES (docs/data.md).</summary>
    public const double DefaultTolerance = 0.25;

    /// <summary>Cordero 2008 single-bond covalent radius in Angstrom (carbon: its sp3 value).</summary>
    public static double CovalentRadius(int atomicNumber) => atomicNumber switch
    {
        1 => 0.31,
        6 => 0.76,
        7 => 0.71,
        8 => 0.66,
        9 => 0.57,
        _ => throw new ArgumentOutOfRangeException(nameof(atomicNumber), atomicNumber, "covalent radii are tabulated for H, C, N, O, F only"),
    };

    /// <summary>Bonds of a molecule, ordered by (I, J) with I &lt; J.</summary>
    public static List<Bond> Perceive(Molecule molecule, double tolerance = DefaultTolerance)
    {
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be >= 0 Angstrom");
        int n = molecule.AtomCount;
        var z = molecule.AtomicNumbers;
        var radius = new double[n];
        for (int i = 0; i < n; i++) radius[i] = CovalentRadius(z[i]);

        // Nearest candidate partner of each hydrogen (index, distance).
        var nearest = new int[n];
        var nearestDistance = new double[n];
        Array.Fill(nearest, -1);
        Array.Fill(nearestDistance, double.PositiveInfinity);
        var candidates = new List<(int I, int J, double D)>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double d = Distance(molecule.Positions, i, j);
                if (d >= radius[i] + radius[j] + tolerance) continue;
                candidates.Add((i, j, d));
                if (z[i] == 1 && d < nearestDistance[i]) { nearestDistance[i] = d; nearest[i] = j; }
                if (z[j] == 1 && d < nearestDistance[j]) { nearestDistance[j] = d; nearest[j] = i; }
            }
        var bonds = new List<Bond>(candidates.Count);
        foreach (var (i, j, _) in candidates)
        {
            if (z[i] == 1 && nearest[i] != j) continue;
            if (z[j] == 1 && nearest[j] != i) continue;
            bonds.Add(new Bond(i, j));
        }
        return bonds;
    }

    internal static double Distance(float[] p, int i, int j)
    {
        double dx = p[3 * i] - p[3 * j], dy = p[3 * i + 1] - p[3 * j + 1], dz = p[3 * i + 2] - p[3 * j + 2];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }
}
