namespace EquiGrid.Chemistry;

/// <summary>
/// Hydrogen counts, kekulisation of aromatic input and radical counts, following RDKit's sanitisation
/// order (implicit H from valence rules, kekulise, then radicals on bracket atoms).
/// </summary>
internal static class Valence
{
    /// <summary>
    /// RDKit's nitrogen clean-up before valence checks: a neutral five-valent N takes the zwitterionic form,
    /// so CN(=O)=O becomes C[N+](=O)[O-] and C-N=N#N becomes C-N=[N+]=[N-].
    /// </summary>
    public static void CleanUpNitrogen(Molecule mol)
    {
        foreach (var atom in mol.Atoms)
        {
            if (atom.AtomicNumber != 7 || atom.Charge != 0) continue;
            double accum = atom.ExplicitH;
            foreach (var bi in atom.Bonds) accum += mol.Bonds[bi].ValenceContribution;
            if ((int)Math.Round(accum + 0.1, MidpointRounding.AwayFromZero) != 5) continue;
            foreach (var bi in atom.Bonds)
            {
                var bond = mol.Bonds[bi];
                var nbr = mol.Atoms[bond.Other(atom.Index)];
                if (nbr.AtomicNumber == 8 && nbr.Charge == 0 && bond.Order == BondOrder.Double)
                {
                    bond.Order = BondOrder.Single;
                    atom.Charge = 1;
                    nbr.Charge = -1;
                    break;
                }
                if (nbr.AtomicNumber == 7 && nbr.Charge == 0 && bond.Order == BondOrder.Triple)
                {
                    bond.Order = BondOrder.Double;
                    atom.Charge = 1;
                    nbr.Charge = -1;
                    break;
                }
            }
        }
    }

    /// <summary>Assigns implicit hydrogens to unbracketed atoms and checks every atom's valence.</summary>
    public static void AssignImplicitHydrogens(Molecule mol)
    {
        foreach (var atom in mol.Atoms)
        {
            double accum = atom.ExplicitH;
            foreach (var bi in atom.Bonds) accum += mol.Bonds[bi].ValenceContribution;
            int dv = Elements.DefaultValence(atom.AtomicNumber);
            int chr = ChargeAdjustment(atom);
            int ev = RoundedValence(atom, accum);
            CheckMaximumValence(atom, ev);
            if (atom.Bracket) { atom.ImplicitH = 0; continue; }
            if (atom.AromaticInput)
            {
                atom.ImplicitH = ev <= dv + chr ? dv + chr - ev : 0;
                continue;
            }
            atom.ImplicitH = 0;
            bool found = false;
            foreach (int v in Elements.Valences(atom.AtomicNumber))
            {
                if (v < 0) { found = true; break; }
                if (ev <= v + chr) { atom.ImplicitH = v + chr - ev; found = true; break; }
            }
            if (!found)
                throw new FormatException($"atom {atom.Index + 1} ({atom.Symbol}) has valence {ev}, more than {atom.Symbol} allows");
        }
    }

    private static void CheckMaximumValence(MolAtom atom, int ev)
    {
        var valences = Elements.Valences(atom.AtomicNumber);
        int max = valences[^1];
        if (max < 0) return;
        int effective = Elements.OuterElectrons(atom.AtomicNumber) >= 4 ? ev - atom.Charge : ev + atom.Charge;
        if (effective > max)
            throw new FormatException($"atom {atom.Index + 1} ({atom.Symbol}{(atom.Charge != 0 ? $", charge {atom.Charge:+0;-0}" : "")}) has valence {ev}, more than allowed");
    }

    /// <summary>RDKit's charge correction of the default valence: sign flipped for early elements and for C+.</summary>
    public static int ChargeAdjustment(MolAtom atom)
    {
        int chr = atom.Charge;
        if (Elements.IsEarly(atom.AtomicNumber)) chr = -chr;
        if (atom.AtomicNumber == 6 && chr > 0) chr = -chr;
        return chr;
    }

    /// <summary>
    /// Replaces aromatic bonds of lower-case input by a Kekulé structure: every aromatic atom that can take a
    /// double bond (RDKit's candidate rule) gets exactly one. Throws when no such structure exists.
    /// </summary>
    public static void Kekulise(Molecule mol)
    {
        var aromaticBonds = mol.Bonds.Where(b => b.Order == BondOrder.Aromatic).ToList();
        if (aromaticBonds.Count == 0) return;
        foreach (var b in aromaticBonds)
        {
            if (!mol.Atoms[b.Begin].AromaticInput || !mol.Atoms[b.End].AromaticInput)
                throw new FormatException($"aromatic bond between atoms {b.Begin + 1} and {b.End + 1} joins a non-aromatic atom");
        }

        int n = mol.Atoms.Count;
        var candidate = new bool[n];
        foreach (var atom in mol.Atoms)
        {
            if (!atom.AromaticInput) continue;
            int sbo = 0;
            double tboAccum = atom.ExplicitH;
            foreach (var bi in atom.Bonds)
            {
                var bond = mol.Bonds[bi];
                tboAccum += bond.ValenceContribution;
                sbo += bond.Order == BondOrder.Aromatic ? 1 : (int)bond.Order;
            }
            sbo += atom.TotalH;
            int chr = ChargeAdjustment(atom);
            int dv = Elements.DefaultValence(atom.AtomicNumber) + chr;
            int tbo = TotalValenceBeforeKekulise(atom, tboAccum);
            var valences = Elements.Valences(atom.AtomicNumber);
            for (int vi = 1; tbo > dv && vi < valences.Count && valences[vi] > 0; vi++) dv = valences[vi] + chr;
            int totalDegree = atom.Degree + atom.ImplicitH;
            if (totalDegree >= dv) continue;
            if (dv == sbo + 1 || (atom.Bracket && dv == sbo + 2)) candidate[atom.Index] = true;
        }

        var mate = Enumerable.Repeat(-1, n).ToArray();
        var order = Enumerable.Range(0, n).Where(i => candidate[i]).ToList();
        int budget = 1_000_000;
        if (!Match(0)) 
        {
            int bad = order.FirstOrDefault(i => mate[i] < 0);
            throw new FormatException($"cannot kekulise the aromatic system at atom {bad + 1} ({mol.Atoms[bad].Symbol.ToLowerInvariant()})");
        }

        foreach (var b in aromaticBonds) b.Order = mate[b.Begin] == b.End ? BondOrder.Double : BondOrder.Single;

        bool Match(int k)
        {
            while (k < order.Count && mate[order[k]] >= 0) k++;
            if (k == order.Count) return true;
            if (--budget < 0) return false;
            int a = order[k];
            foreach (var bi in mol.Atoms[a].Bonds)
            {
                var bond = mol.Bonds[bi];
                if (bond.Order != BondOrder.Aromatic) continue;
                int o = bond.Other(a);
                if (!candidate[o] || mate[o] >= 0) continue;
                mate[a] = o; mate[o] = a;
                if (Match(k + 1)) return true;
                mate[a] = -1; mate[o] = -1;
            }
            return false;
        }
    }

    private static int TotalValenceBeforeKekulise(MolAtom atom, double accum) => RoundedValence(atom, accum) + atom.ImplicitH;

    /// <summary>
    /// The integer valence of a bond-order sum (aromatic bonds 1.5 each, plus bracket H) before kekulisation.
    /// Aromatic atoms take the nearest allowed valence below the sum (c1cccn1C, fused n), since 1.5 per bond
    /// overcounts a three-connected aromatic atom.
    /// </summary>
    private static int RoundedValence(MolAtom atom, double accum)
    {
        int dv = Elements.DefaultValence(atom.AtomicNumber);
        int chr = ChargeAdjustment(atom);
        if (atom.AromaticInput && accum > dv + chr)
        {
            int pval = dv + chr;
            foreach (int v in Elements.Valences(atom.AtomicNumber))
            {
                if (v < 0 || v + chr > accum) break;
                pval = v + chr;
            }
            if (accum - pval <= 1.5) accum = pval;
        }
        return (int)Math.Round(accum + 0.1, MidpointRounding.AwayFromZero);
    }

    /// <summary>Caches integer explicit valences (Kekulé bond orders plus bracket hydrogens).</summary>
    public static void CacheExplicitValences(Molecule mol)
    {
        mol.ExplicitValence = new int[mol.Atoms.Count];
        foreach (var atom in mol.Atoms)
        {
            int ev = atom.ExplicitH;
            foreach (var bi in atom.Bonds) ev += (int)mol.Bonds[bi].Order;
            mol.ExplicitValence[atom.Index] = ev;
        }
    }

    /// <summary>RDKit's radical assignment: bracket atoms short of an octet (or of their valence) carry radicals.</summary>
    public static void AssignRadicals(Molecule mol)
    {
        foreach (var atom in mol.Atoms)
        {
            if (!atom.Bracket) continue;
            var valences = Elements.Valences(atom.AtomicNumber);
            int nOuter = Elements.OuterElectrons(atom.AtomicNumber);
            int chg = atom.Charge;
            int totalValence = mol.ExplicitValence[atom.Index];
            if (valences.Count == 1 && valences[0] == -1)
            {
                atom.Radicals = Math.Max(nOuter - chg, 0) % 2;
                continue;
            }
            int baseCount = atom.AtomicNumber <= 2 ? 2 : 8;
            int radicals = baseCount - nOuter - totalValence + chg;
            if (radicals < 0)
            {
                radicals = 0;
                if (valences.Count > 1)
                {
                    foreach (int v in valences)
                    {
                        if (v - totalValence + chg >= 0) { radicals = v - totalValence + chg; break; }
                    }
                }
            }
            int radicals2 = nOuter - totalValence - chg;
            if (radicals2 >= 0) radicals = Math.Min(radicals, radicals2);
            atom.Radicals = radicals;
        }
    }
}
