namespace EquiGrid.Chemistry;

/// <summary>Tetrahedral chirality mark as written in SMILES (@ = anticlockwise, @@ = clockwise).</summary>
public enum ChiralMark
{
    /// <summary>No mark, or a mark dropped because the atom cannot be a tetrahedral centre.</summary>
    None,
    /// <summary>'@': neighbours after the first, in SMILES order, run anticlockwise seen from the first.</summary>
    Anticlockwise,
    /// <summary>'@@': the same neighbours run clockwise.</summary>
    Clockwise,
}

/// <summary>Bond order; <see cref="Aromatic"/> only before kekulisation and after aromaticity perception.</summary>
public enum BondOrder
{
    /// <summary>Single bond ('-', '/', '\' or nothing between aliphatic atoms).</summary>
    Single = 1,
    /// <summary>Double bond ('=').</summary>
    Double = 2,
    /// <summary>Triple bond ('#').</summary>
    Triple = 3,
    /// <summary>Aromatic bond (':' or nothing between two lower-case atoms).</summary>
    Aromatic = 4,
}

/// <summary>Hybridisation as RDKit names it; only <see cref="S"/> to <see cref="SP3"/> occur for organic molecules.</summary>
public enum Hybridisation
{
    /// <summary>Not perceived yet, or no rule applies.</summary>
    Unspecified,
    /// <summary>s (a lone atom such as a metal ion).</summary>
    S,
    /// <summary>sp: two electron domains.</summary>
    SP,
    /// <summary>sp2: three electron domains, or a conjugated 3-coordinate atom.</summary>
    SP2,
    /// <summary>sp3: four electron domains.</summary>
    SP3,
    /// <summary>sp3d: five electron domains.</summary>
    SP3D,
    /// <summary>sp3d2: six electron domains.</summary>
    SP3D2,
}

/// <summary>
/// A heavy atom of the hydrogen-suppressed molecular graph. The parser fills what the SMILES states;
/// <see cref="MoleculePerception"/> fills the perceived properties (hydrogens, radicals, aromaticity, hybridisation).
/// </summary>
public sealed class MolAtom
{
    /// <summary>Position among the molecule's atoms (heavy atoms in SMILES order).</summary>
    public required int Index { get; init; }
    /// <summary>Atomic number.</summary>
    public required int AtomicNumber { get; init; }
    /// <summary>Element symbol with the first letter upper case ("C" also for aromatic 'c').</summary>
    public required string Symbol { get; init; }
    /// <summary>Mass number from a bracket atom, 0 when none was written.</summary>
    public int Isotope { get; init; }
    /// <summary>Formal charge; the nitrogen clean-up may change it.</summary>
    public int Charge { get; set; }
    /// <summary>Written in brackets: its hydrogen count is explicit and no implicit hydrogens are added.</summary>
    public bool Bracket { get; init; }
    /// <summary>Hydrogens written in the bracket (or folded in from explicit [H] atoms).</summary>
    public int ExplicitH { get; set; }
    /// <summary>Hydrogens added by valence rules (unbracketed atoms only).</summary>
    public int ImplicitH { get; set; }
    /// <summary>Unpaired electrons, perceived for bracket atoms short of their valence.</summary>
    public int Radicals { get; set; }
    /// <summary>Lower-case in the input.</summary>
    public bool AromaticInput { get; init; }
    /// <summary>Aromatic after perception.</summary>
    public bool IsAromatic { get; set; }
    /// <summary>Chirality mark as written; cleared where the atom cannot be a tetrahedral centre.</summary>
    public ChiralMark Chiral { get; set; }
    /// <summary>Neighbours in SMILES order; -1 stands for the bracket hydrogen (chirality reference order).</summary>
    public List<int> SmilesNeighbourOrder { get; } = [];
    /// <summary>Indices into <see cref="Molecule.Bonds"/> of this atom's bonds, in the order they were added.</summary>
    public List<int> Bonds { get; } = [];
    /// <summary>Perceived hybridisation.</summary>
    public Hybridisation Hybridisation { get; set; }

    /// <summary>All hydrogens on the atom, written and implicit.</summary>
    public int TotalH => ExplicitH + ImplicitH;
    /// <summary>Number of heavy neighbours.</summary>
    public int Degree => Bonds.Count;
    /// <summary>Number of neighbours counting hydrogens.</summary>
    public int TotalDegree => Bonds.Count + TotalH;
}

/// <summary>A bond between two heavy atoms. Begin is the atom written first (matters for / and \).</summary>
public sealed class MolBond
{
    /// <summary>Position in <see cref="Molecule.Bonds"/>.</summary>
    public required int Index { get; init; }
    /// <summary>The atom written first.</summary>
    public required int Begin { get; init; }
    /// <summary>The atom written second.</summary>
    public required int End { get; init; }
    /// <summary>Bond order; kekulisation and the nitrogen clean-up may change it.</summary>
    public BondOrder Order { get; set; }
    /// <summary>'/' or '\' as written, relative to Begin -> End; '\0' when none.</summary>
    public char Direction { get; set; }
    /// <summary>Aromatic after perception.</summary>
    public bool IsAromatic { get; set; }
    /// <summary>Conjugated after perception.</summary>
    public bool IsConjugated { get; set; }

    /// <summary>The other end of the bond seen from <paramref name="atom"/>.</summary>
    public int Other(int atom) => atom == Begin ? End : Begin;

    /// <summary>RDKit's valence contribution: 1.5 for aromatic bonds.</summary>
    public double ValenceContribution => Order switch
    {
        BondOrder.Single => 1, BondOrder.Double => 2, BondOrder.Triple => 3, _ => 1.5,
    };
}

/// <summary>
/// The hydrogen-suppressed molecular graph that perception works on: <see cref="SmilesParser.Parse"/> builds it,
/// <see cref="MoleculePerception.Perceive"/> completes it in place.
/// </summary>
public sealed class Molecule
{
    /// <summary>Heavy atoms in SMILES order.</summary>
    public List<MolAtom> Atoms { get; } = [];
    /// <summary>Bonds between heavy atoms in the order the SMILES states them (ring closures when closed).</summary>
    public List<MolBond> Bonds { get; } = [];

    /// <summary>Explicit valence as RDKit caches it: integer bond orders after kekulisation plus bracket hydrogens.</summary>
    public int[] ExplicitValence { get; set; } = [];

    /// <summary>The bond between atoms <paramref name="a"/> and <paramref name="b"/>, or null when they are not bonded.</summary>
    public MolBond? BondBetween(int a, int b)
    {
        foreach (var bi in Atoms[a].Bonds)
        {
            var bond = Bonds[bi];
            if (bond.Other(a) == b) return bond;
        }
        return null;
    }

    /// <summary>Heavy neighbours of atom <paramref name="a"/> in bond order.</summary>
    public IEnumerable<int> Neighbours(int a)
    {
        foreach (var bi in Atoms[a].Bonds) yield return Bonds[bi].Other(a);
    }

    /// <summary>Adds a bond from <paramref name="a"/> to <paramref name="b"/> and registers it on both atoms.</summary>
    public MolBond AddBond(int a, int b, BondOrder order, char direction)
    {
        var bond = new MolBond { Index = Bonds.Count, Begin = a, End = b, Order = order, Direction = direction };
        Bonds.Add(bond);
        Atoms[a].Bonds.Add(bond.Index);
        Atoms[b].Bonds.Add(bond.Index);
        return bond;
    }
}
