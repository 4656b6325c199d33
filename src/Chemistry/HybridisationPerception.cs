namespace EquiGrid.Chemistry;

/// <summary>
/// RDKit's conjugation and hybridisation rules: a multiple (or aromatic) bond on a 2- or 3-coordinate atom
/// makes its bonds to other 2- or 3-coordinate atoms with spare electrons conjugated; hybridisation comes
/// from bonds plus lone pairs (2 sp, 3 sp2, 4 sp3), lowered to sp2 for a 3-coordinate atom on a conjugated
/// bond (amide N, enol O, pyrrole N).
/// </summary>
internal static class HybridisationPerception
{
    public static void Perceive(Molecule mol)
    {
        foreach (var bond in mol.Bonds) bond.IsConjugated = bond.IsAromatic;
        foreach (var atom in mol.Atoms) MarkConjugatedBonds(mol, atom.Index);
        foreach (var atom in mol.Atoms) atom.Hybridisation = Assign(mol, atom);
    }

    private static bool IsConjugationCandidate(Molecule mol, int a)
    {
        var atom = mol.Atoms[a];
        int nOuter = Elements.OuterElectrons(atom.AtomicNumber);
        bool rowOk = atom.AtomicNumber <= 10 || (nOuter != 5 && nOuter != 6) || (nOuter == 6 && atom.TotalDegree < 2);
        return rowOk && Aromaticity.CountAtomElectrons(mol, a) > 0;
    }

    private static void MarkConjugatedBonds(Molecule mol, int a)
    {
        if (!IsConjugationCandidate(mol, a)) return;
        var atom = mol.Atoms[a];
        int sbo = atom.Degree + atom.TotalH;
        if (sbo < 2 || sbo > 3) return;
        foreach (var b1 in atom.Bonds)
        {
            var bond1 = mol.Bonds[b1];
            if (bond1.ValenceContribution < 1.5) continue;
            foreach (var b2 in atom.Bonds)
            {
                if (b1 == b2) continue;
                var bond2 = mol.Bonds[b2];
                int other = bond2.Other(a);
                var otherAtom = mol.Atoms[other];
                if (otherAtom.Degree + otherAtom.TotalH > 3) continue;
                if (IsConjugationCandidate(mol, other))
                {
                    bond1.IsConjugated = true;
                    bond2.IsConjugated = true;
                }
            }
        }
    }

    private static Hybridisation Assign(Molecule mol, MolAtom atom)
    {
        if (atom.Chiral != ChiralMark.None && atom.TotalDegree == 4) return Hybridisation.SP3;
        int norbs = BondsPlusLonePairs(mol, atom);
        return norbs switch
        {
            0 or 1 => Hybridisation.S,
            2 => Hybridisation.SP,
            3 => Hybridisation.SP2,
            4 => atom.TotalDegree > 3 || !atom.Bonds.Any(b => mol.Bonds[b].IsConjugated) ? Hybridisation.SP3 : Hybridisation.SP2,
            5 => Hybridisation.SP3D,
            6 => Hybridisation.SP3D2,
            _ => Hybridisation.Unspecified,
        };
    }

    private static int BondsPlusLonePairs(Molecule mol, MolAtom atom)
    {
        int deg = atom.TotalDegree;
        if (atom.AtomicNumber <= 1) return deg;
        int nOuter = Elements.OuterElectrons(atom.AtomicNumber);
        int totalValence = mol.ExplicitValence[atom.Index] + atom.ImplicitH;
        int chg = atom.Charge;
        int free = nOuter - (totalValence + chg);
        if (totalValence + nOuter - chg < 8)
        {
            int radicals = atom.Radicals;
            return deg + (free - radicals) / 2 + radicals;
        }
        return deg + free / 2;
    }
}
