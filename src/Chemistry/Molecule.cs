namespace EquiGrid.Chemistry;

/// <summary>Tetrahedral chirality mark as written in SMILES (@ = anticlockwise, @@ = clockwise).</summary>
public enum ChiralMark { None, Anticlockwise, Clockwise }

/// <summary>Bond order; <see cref="Aromatic"/> only before kekulisation and after aromaticity perception.</summary>
public enum BondOrder { Single = 1, Double = 2, Triple = 3, Aromatic = 4 }

/// <summary>Hybridisation as RDKit names it; only the first four occur for organic molecules.</summary>
public enum Hybridisation { Unspecified, S, SP, SP2, SP3, SP3D, SP3D2 }

/// <summary>A heavy atom of the hydrogen-suppressed molecular graph.</summary>
public sealed class MolAtom
{
    public required int Index { get; init; }
    public required int AtomicNumber { get; init; }
    public required string Symbol { get; init; }
    public int Isotope { get; init; }
    public int Charge { get; set; }
    /// <summary>Written in brackets: its hydrogen count is explicit and no implicit hydrogens are added.</summary>
    public bool Bracket { get; init; }
    /// <summary>Hydrogens written in the bracket (or folded in from explicit [H] atoms).</summary>
    public int ExplicitH { get; set; }
    /// <summary>Hydrogens added by valence rules (unbracketed atoms only).</summary>
    public int ImplicitH { get; set; }
    public int Radicals { get; set; }
    /// <summary>Lower-case in the input.</summary>
    public bool AromaticInput { get; init; }
    /// <summary>Aromatic after perception.</summary>
    public bool IsAromatic { get; set; }
    public ChiralMark Chiral { get; set; }
    /// <summary>Neighbours in SMILES order; -1 stands for the bracket hydrogen (chirality reference order).</summary>
    public List<int> SmilesNeighbourOrder { get; } = [];
    public List<int> Bonds { get; } = [];
    public Hybridisation Hybridisation { get; set; }

    public int TotalH => ExplicitH + ImplicitH;
    public int Degree => Bonds.Count;
    public int TotalDegree => Bonds.Count + TotalH;
}

/// <summary>A bond between two heavy atoms. Begin is the atom written first (matters for / and \).</summary>
public sealed class MolBond
{
    public required int Index { get; init; }
    public required int Begin { get; init; }
    public required int End { get; init; }
    public BondOrder Order { get; set; }
    /// <summary>'/' or '\' as written, relative to Begin -> End; '\0' when none.</summary>
    public char Direction { get; set; }
    public bool IsAromatic { get; set; }
    public bool IsConjugated { get; set; }

    public int Other(int atom) => atom == Begin ? End : Begin;

    /// <summary>RDKit's valence contribution: 1.5 for aromatic bonds.</summary>
    public double ValenceContribution => Order switch
    {
        BondOrder.Single => 1, BondOrder.Double => 2, BondOrder.Triple => 3, _ => 1.5,
    };
}

/// <summary>The hydrogen-suppressed molecular graph that perception works on.</summary>
public sealed class Molecule
{
    public List<MolAtom> Atoms { get; } = [];
    public List<MolBond> Bonds { get; } = [];

    /// <summary>Explicit valence as RDKit caches it: integer bond orders after kekulisation plus bracket hydrogens.</summary>
    public int[] ExplicitValence { get; set; } = [];

    public MolBond? BondBetween(int a, int b)
    {
        foreach (var bi in Atoms[a].Bonds)
        {
            var bond = Bonds[bi];
            if (bond.Other(a) == b) return bond;
        }
        return null;
    }

    public IEnumerable<int> Neighbours(int a)
    {
        foreach (var bi in Atoms[a].Bonds) yield return Bonds[bi].Other(a);
    }

    public MolBond AddBond(int a, int b, BondOrder order, char direction)
    {
        var bond = new MolBond { Index = Bonds.Count, Begin = a, End = b, Order = order, Direction = direction };
        Bonds.Add(bond);
        Atoms[a].Bonds.Add(bond.Index);
        Atoms[b].Bonds.Add(bond.Index);
        return bond;
    }
}
