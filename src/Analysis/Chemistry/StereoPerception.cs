using EquiGrid.Chemistry;

namespace EquiGrid.Analysis.Chemistry;

/// <summary>
/// Potential stereo elements as RDKit 2022.09's FindPotentialStereo (flagPossible, no cleaning) finds them,
/// which is what FindMolChiralCenters(includeUnassigned=True, useLegacyImplementation=False) reports:
/// every candidate centre is first treated as unique, atoms are ranked into symmetry classes, and a
/// candidate whose neighbours share a class is dropped (unless the tie is a ring-stereo case such as
/// 1,4-disubstituted cyclohexane); this repeats until nothing changes. Also the double bonds whose E/Z
/// is specified by / and \ marks (RDKit's legacy assignment at SMILES parsing).
/// </summary>
internal static class StereoPerception
{
    private const int NoAtom = -1;
    private const int MinRingSizeForDoubleBondStereo = 8;

    /// <summary>Clears chiral marks on atoms that are not sp3 or sp3d (RDKit's cleanupChirality).</summary>
    public static void CleanupChirality(Molecule mol)
    {
        foreach (var atom in mol.Atoms)
            if (atom.Chiral != ChiralMark.None && atom.Hybridisation < Hybridisation.SP3) atom.Chiral = ChiralMark.None;
    }

    /// <summary>Atoms RDKit reports as tetrahedral stereocentres, assigned or not.</summary>
    public static bool[] FindTetrahedralCentres(Molecule mol, RingInfo rings, bool[] specifiedBondStereo, int[] cipLikeRanks)
    {
        int n = mol.Atoms.Count, nb = mol.Bonds.Count;
        var atomSymbols = new string[n];
        var known = new bool[n];
        var possible = new bool[n];
        var tetrahedral = new bool[n];
        var descriptorOdd = new bool[n];
        for (int a = 0; a < n; a++)
        {
            var atom = mol.Atoms[a];
            atomSymbols[a] = $"{atom.Isotope}{atom.Symbol}{atom.Charge}";
            bool tet = IsPotentialTetrahedralCentre(mol, rings, a);
            bool nonTet = IsPotentialNonTetrahedralCentre(atom);
            if (!tet && !nonTet) continue;
            bool tagged = atom.Chiral != ChiralMark.None;
            tetrahedral[a] = tagged || !nonTet;
            if (tagged && tetrahedral[a])
            {
                known[a] = true;
                descriptorOdd[a] = ChiralParityAgainstIndexOrder(mol, a);
                atomSymbols[a] += descriptorOdd[a] ? "_CW" : "_CCW";
            }
            else
            {
                possible[a] = true;
                atomSymbols[a] += "_" + a;
            }
        }

        var bondSymbols = new string[nb];
        var knownBonds = new bool[nb];
        var possibleBonds = new bool[nb];
        var bondCis = new bool[nb];
        for (int b = 0; b < nb; b++)
        {
            var bond = mol.Bonds[b];
            bondSymbols[b] = BondSymbol(bond);
            if (!IsPotentialStereoBond(mol, rings, b)) continue;
            if (specifiedBondStereo[b])
            {
                knownBonds[b] = true;
                bondCis[b] = IsCisRelativeToControllingAtoms(mol, b, cipLikeRanks);
                bondSymbols[b] += bondCis[b] ? "_cis" : "_trans";
            }
            else
            {
                possibleBonds[b] = true;
                bondSymbols[b] += "_" + b;
            }
        }

        var ringAtoms = new int[n];
        var ringBonds = new int[nb];
        FlagRingStereo(mol, rings, ringAtoms, ringBonds, known, possible, knownBonds, possibleBonds);

        var fixedAtoms = new bool[n];
        var fixedBonds = new bool[nb];
        var result = new bool[n];
        bool again = true;
        while (again)
        {
            Array.Clear(result);
            var ranks = SymmetryClasses.Compute(mol, atomSymbols, bondSymbols);
            again = UpdateAtoms(mol, rings, ranks, atomSymbols, possible, known, fixedAtoms, tetrahedral, descriptorOdd,
                ringAtoms, ringBonds, result);
            again |= UpdateBonds(mol, rings, ranks, bondSymbols, possible, possibleBonds, known, knownBonds, fixedBonds, bondCis);
        }
        return result;
    }

    private static bool UpdateAtoms(Molecule mol, RingInfo rings, int[] ranks, string[] atomSymbols, bool[] possible,
        bool[] known, bool[] fixedAtoms, bool[] tetrahedral, bool[] descriptorOdd, int[] ringAtoms, int[] ringBonds, bool[] result)
    {
        bool again = false;
        for (int a = 0; a < mol.Atoms.Count; a++)
        {
            if (!known[a] && !possible[a]) continue;
            if (fixedAtoms[a])
            {
                result[a] = tetrahedral[a];
                continue;
            }
            var nbrRanks = new List<int>();
            bool dupe = false;
            if (tetrahedral[a])
            {
                foreach (int nbr in mol.Neighbours(a).Order())
                {
                    int rank = ranks[nbr];
                    if (nbrRanks.Contains(rank))
                    {
                        // A tie across a ring that can carry ring stereo does not rule the centre out.
                        var bond = mol.BondBetween(a, nbr)!;
                        if (ringAtoms[a] == 0 || ringBonds[bond.Index] == 0) { dupe = true; break; }
                    }
                    else nbrRanks.Add(rank);
                }
            }
            if (!dupe)
            {
                var symbol = atomSymbols[a];
                if (!possible[a])
                {
                    if (tetrahedral[a])
                    {
                        bool odd = descriptorOdd[a] ^ (SwapParity(nbrRanks) == 1);
                        var atom = mol.Atoms[a];
                        symbol = $"{atom.Isotope}{atom.Symbol}{atom.Charge}" + (odd ? "_CW" : "_CCW");
                    }
                    fixedAtoms[a] = true;
                }
                if (atomSymbols[a] != symbol) { atomSymbols[a] = symbol; again = true; }
                result[a] = tetrahedral[a];
            }
            else if (possible[a])
            {
                possible[a] = false;
                var atom = mol.Atoms[a];
                atomSymbols[a] = $"{atom.Isotope}{atom.Symbol}{atom.Charge}";
                again = true;
                if (ringAtoms[a] > 0)
                {
                    ringAtoms[a]--;
                    if (ringAtoms[a] == 0) ReleaseRingStereo(rings, ringAtoms, ringBonds);
                }
            }
        }
        return again;
    }

    // RDKit lowers the ring-stereo counts of every ring once a centre leaves its last ring-stereo ring.
    private static void ReleaseRingStereo(RingInfo rings, int[] ringAtoms, int[] ringBonds)
    {
        for (int r = 0; r < rings.AtomRings.Count; r++)
        {
            int nHere = 0;
            foreach (int ra in rings.AtomRings[r])
            {
                if (ringAtoms[ra] > 0)
                {
                    ringAtoms[ra]--;
                    if (ringAtoms[ra] > 0) nHere++;
                }
            }
            if (nHere <= 1)
                foreach (int rb in rings.BondRings[r])
                    if (ringBonds[rb] > 0) ringBonds[rb]--;
        }
    }

    private static bool UpdateBonds(Molecule mol, RingInfo rings, int[] ranks, string[] bondSymbols, bool[] possibleAtoms,
        bool[] possibleBonds, bool[] knownAtoms, bool[] knownBonds, bool[] fixedBonds, bool[] bondCis)
    {
        bool again = false;
        for (int b = 0; b < mol.Bonds.Count; b++)
        {
            if ((!knownBonds[b] && !possibleBonds[b]) || fixedBonds[b]) continue;
            var c = ControllingAtoms(mol, b);
            bool dupe = false, swap = false;
            for (int end = 0; end < 2; end++)
            {
                int x = c[2 * end], y = c[2 * end + 1];
                if (x == NoAtom || y == NoAtom) continue;
                if (ControllingAtomsAreDupes(mol, rings, b, x, y, ranks, possibleAtoms, knownAtoms)) dupe = true;
                else if (ranks[x] < ranks[y]) swap = !swap;
            }
            if (!dupe)
            {
                var symbol = bondSymbols[b];
                if (knownBonds[b]) symbol += (bondCis[b] ^ swap) ? "_cis" : "_trans";
                if (bondSymbols[b] != symbol) { bondSymbols[b] = symbol; again = true; }
                if (!possibleBonds[b]) fixedBonds[b] = true;
            }
            else if (possibleBonds[b])
            {
                possibleBonds[b] = false;
                bondSymbols[b] = BondSymbol(mol.Bonds[b]);
                again = true;
            }
        }
        return again;
    }

    private static bool ControllingAtomsAreDupes(Molecule mol, RingInfo rings, int b, int x, int y, int[] ranks,
        bool[] possibleAtoms, bool[] knownAtoms)
    {
        if (ranks[x] != ranks[y]) return false;
        var bond = mol.Bonds[b];
        var common = rings.AtomMembers(x).Intersect(rings.AtomMembers(y)).Order();
        foreach (int r in common)
        {
            var ring = rings.AtomRings[r];
            if (ring.Length % 2 == 1) continue;
            foreach (int endAtom in new[] { bond.Begin, bond.End })
            {
                int pos = Array.IndexOf(ring, endAtom);
                if (pos < 0) continue;
                int opposite = ring[(pos + ring.Length / 2) % ring.Length];
                if (possibleAtoms[opposite] || knownAtoms[opposite]) return false;
            }
        }
        return true;
    }

    /// <summary>Neighbours of the double bond's begin atom, then of its end atom, padded with NoAtom to two each.</summary>
    private static int[] ControllingAtoms(Molecule mol, int b)
    {
        var bond = mol.Bonds[b];
        var list = new List<int>(4);
        foreach (int end in new[] { bond.Begin, bond.End })
        {
            foreach (var bi in mol.Atoms[end].Bonds)
                if (bi != b) list.Add(mol.Bonds[bi].Other(end));
            if (mol.Atoms[end].Degree == 2) list.Add(NoAtom);
        }
        return list.ToArray();
    }

    /// <summary>
    /// Flags centres that can take part in ring stereo: even rings with candidates opposite each other, and
    /// candidates joined along a bond shared by fused rings. A ring with two or more such atoms marks its atoms and bonds.
    /// </summary>
    private static void FlagRingStereo(Molecule mol, RingInfo rings, int[] ringAtoms, int[] ringBonds,
        bool[] known, bool[] possible, bool[] knownBonds, bool[] possibleBonds)
    {
        for (int r = 0; r < rings.AtomRings.Count; r++)
        {
            var aring = rings.AtomRings[r];
            var bring = rings.BondRings[r];
            int sz = aring.Length, nHere = 0;
            bool odd = sz % 2 == 1;
            int half = sz / 2 + (odd ? 1 : 0);
            var marked = new HashSet<int>();
            for (int ai = 0; ai < sz; ai++)
            {
                int a = aring[ai];
                if (!known[a] && !possible[a]) continue;
                if (!odd)
                {
                    int opposite = aring[(ai + half) % sz];
                    bool oppositeBond = false;
                    foreach (var bi in mol.Atoms[opposite].Bonds)
                    {
                        if ((knownBonds[bi] || possibleBonds[bi]) && Array.IndexOf(bring, bi) < 0) { oppositeBond = true; break; }
                    }
                    if (known[opposite] || possible[opposite] || oppositeBond)
                    {
                        nHere += 1 + (oppositeBond ? 1 : 0);
                        marked.Add(a);
                        marked.Add(opposite);
                        continue;
                    }
                }
                if (rings.NumAtomRings(a) > 1)
                {
                    int prev = a;
                    for (int step = 1; step <= half; step++)
                    {
                        int other = aring[(ai + step) % sz];
                        var bond = mol.BondBetween(prev, other)!;
                        if (rings.NumBondRings(bond.Index) < 2) break;
                        if (known[other] || possible[other])
                        {
                            nHere += 2;
                            marked.Add(a);
                            marked.Add(other);
                            break;
                        }
                        prev = other;
                    }
                }
            }
            if (nHere > 1)
            {
                foreach (int a in aring)
                    if (marked.Contains(a)) ringAtoms[a]++;
                foreach (int b in bring) ringBonds[b]++;
            }
        }
    }

    private static bool IsPotentialTetrahedralCentre(Molecule mol, RingInfo rings, int a)
    {
        var atom = mol.Atoms[a];
        int nz = atom.Degree;
        if (nz + atom.TotalH > 4) return false;
        if (nz == 4) return true;
        if (nz == 1) return false;
        bool pOrAs = atom.AtomicNumber is 15 or 33;
        if (nz < 3 && !pOrAs) return false;
        if (pOrAs) return true;
        if (nz != 3) return false;
        if (atom.TotalH == 1) return true;
        int ev = mol.ExplicitValence[a];
        if (atom.AtomicNumber is 16 or 34 && (ev == 4 || (ev == 3 && atom.Charge == 1))) return true;
        if (atom.AtomicNumber == 7) return rings.IsAtomInRingOfSize(a, 3) || IsBridgehead(mol, rings, a);
        return false;
    }

    private static bool IsPotentialNonTetrahedralCentre(MolAtom atom)
    {
        int tnz = atom.Degree + atom.TotalH;
        if (tnz > 6 || tnz < 2 || (atom.AtomicNumber < 12 && atom.AtomicNumber != 4)) return false;
        return atom.Chiral == ChiralMark.None && tnz >= 4;
    }

    /// <summary>RDKit's bridgehead test: three ring bonds, and two rings through the atom sharing at least two bonds.</summary>
    private static bool IsBridgehead(Molecule mol, RingInfo rings, int a)
    {
        var atom = mol.Atoms[a];
        if (atom.Degree < 3) return false;
        var atomRingBonds = atom.Bonds.Where(b => rings.NumBondRings(b) > 0).ToHashSet();
        if (atomRingBonds.Count < 3) return false;
        for (int i = 0; i < rings.BondRings.Count; i++)
        {
            var ri = rings.BondRings[i];
            if (!ri.Any(atomRingBonds.Contains)) continue;
            for (int j = i + 1; j < rings.BondRings.Count; j++)
            {
                var rj = rings.BondRings[j];
                if (rj.Any(atomRingBonds.Contains) && rj.Intersect(ri).Count() >= 2) return true;
            }
        }
        return false;
    }

    private static bool IsPotentialStereoBond(Molecule mol, RingInfo rings, int b)
    {
        var bond = mol.Bonds[b];
        if (bond.Order != BondOrder.Double) return false;
        var begin = mol.Atoms[bond.Begin];
        var end = mol.Atoms[bond.End];
        if (begin.Degree <= 1 || begin.Degree >= 4 || end.Degree <= 1 || end.Degree >= 4) return false;
        for (int r = 0; r < rings.BondRings.Count; r++)
            if (rings.BondRings[r].Length < MinRingSizeForDoubleBondStereo && Array.IndexOf(rings.BondRings[r], b) >= 0) return false;
        return true;
    }

    private static string BondSymbol(MolBond bond) => bond.IsAromatic ? ":" : bond.Order switch
    {
        BondOrder.Single => "-", BondOrder.Double => "=", BondOrder.Triple => "#", _ => ":",
    };

    /// <summary>
    /// Parity of the written chirality against neighbours sorted by atom index (true = odd, shown as _CW).
    /// The bracket hydrogen is moved to the front of the SMILES order first, so equal spatial arrangements
    /// give equal parities whatever the writing order.
    /// </summary>
    private static bool ChiralParityAgainstIndexOrder(Molecule mol, int a)
    {
        var atom = mol.Atoms[a];
        var order = atom.SmilesNeighbourOrder.ToList();
        int parity = atom.Chiral == ChiralMark.Clockwise ? 1 : 0;
        int hPos = order.IndexOf(-1);
        if (hPos > 0) { parity ^= hPos & 1; order.RemoveAt(hPos); }
        else if (hPos == 0) order.RemoveAt(0);
        parity ^= SwapParity(order);
        return parity == 1;
    }

    /// <summary>Parity (0 even, 1 odd) of the permutation that sorts <paramref name="values"/> ascending.</summary>
    private static int SwapParity(IReadOnlyList<int> values)
    {
        int inversions = 0;
        for (int i = 0; i < values.Count; i++)
            for (int j = i + 1; j < values.Count; j++)
                if (values[i] > values[j]) inversions++;
        return inversions & 1;
    }

    /// <summary>
    /// Double bonds whose E/Z is fixed by / and \ marks, as RDKit's legacy perception at SMILES parsing keeps
    /// them: not in a ring smaller than 8, both ends 2- or 3-coordinate with a marked neighbour, no conflicting
    /// marks, and no end with two equivalent substituents.
    /// </summary>
    public static bool[] FindSpecifiedDoubleBonds(Molecule mol, RingInfo rings, int[] ranks)
    {
        var result = new bool[mol.Bonds.Count];
        for (int b = 0; b < mol.Bonds.Count; b++)
        {
            var bond = mol.Bonds[b];
            if (bond.Order != BondOrder.Double) continue;
            bool smallRing = rings.BondRings.Any(r => Array.IndexOf(r, b) >= 0) &&
                rings.BondRings.Where(r => Array.IndexOf(r, b) >= 0).Min(r => r.Length) < MinRingSizeForDoubleBondStereo;
            if (smallRing) continue;
            int dBegin = mol.Atoms[bond.Begin].Degree, dEnd = mol.Atoms[bond.End].Degree;
            if (dBegin is < 2 or > 3 || dEnd is < 2 or > 3) continue;
            var beginDirs = EffectiveDirections(mol, bond.Begin, b, ranks);
            var endDirs = EffectiveDirections(mol, bond.End, b, ranks);
            if (beginDirs == null || endDirs == null) continue;
            if (Conflicting(beginDirs) || Conflicting(endDirs)) continue;
            result[b] = true;
        }
        return result;
    }

    private static bool Conflicting(List<(int Atom, int Dir)> dirs) => dirs.Count == 2 && dirs[0].Dir == dirs[1].Dir;

    /// <summary>Marked directions of the single bonds around one end, read as starting at the double bond (+1 up, -1 down).</summary>
    private static List<(int Atom, int Dir)>? EffectiveDirections(Molecule mol, int atom, int doubleBond, int[] ranks)
    {
        var list = new List<(int, int)>();
        bool seen = false;
        foreach (var bi in mol.Atoms[atom].Bonds)
        {
            if (bi == doubleBond) continue;
            var bond = mol.Bonds[bi];
            int dir = 0;
            if (bond.Direction != '\0' && bond.Order is BondOrder.Single or BondOrder.Aromatic)
            {
                seen = true;
                dir = bond.Direction == '/' ? 1 : -1;
                if (bond.Begin != atom) dir = -dir;
            }
            list.Add((bond.Other(atom), dir));
        }
        if (!seen) return null;
        if (list.Count == 2 && ranks[list[0].Item1] == ranks[list[1].Item1]) return null;
        if (list[0].Item2 == 0) list[0] = (list[0].Item1, -list[1].Item2);
        else if (list.Count > 1 && list[1].Item2 == 0) list[1] = (list[1].Item1, -list[0].Item2);
        return list;
    }

    /// <summary>Whether the marks put controlling atom 0 (of the begin atom) and controlling atom 2 (of the end atom) cis.</summary>
    private static bool IsCisRelativeToControllingAtoms(Molecule mol, int b, int[] ranks)
    {
        var bond = mol.Bonds[b];
        var beginDirs = EffectiveDirections(mol, bond.Begin, b, ranks)!;
        var endDirs = EffectiveDirections(mol, bond.End, b, ranks)!;
        var c = ControllingAtoms(mol, b);
        int d0 = beginDirs.First(x => x.Atom == c[0]).Dir;
        int d2 = endDirs.First(x => x.Atom == c[2]).Dir;
        return d0 == d2;
    }
}
