namespace EquiGrid.Chemistry;

/// <summary>
/// RDKit's default aromaticity model: rings whose atoms are all candidates, single rings and fused
/// combinations of up to six rings sharing one bond, Hueckel 4n+2 (or exactly 2) with RDKit's
/// per-atom electron donor types (exocyclic C=O steals the electron, pyrrole N and furan O give two).
/// </summary>
internal static class Aromaticity
{
    private enum Donor { Vacant, One, Two, OneOrTwo, Any, None }

    private const int MaxFusedRingSize = 24;
    private const int MaxFusedRings = 6;

    public static void Perceive(Molecule mol, RingInfo rings)
    {
        int n = mol.Atoms.Count;
        var seen = new bool[n];
        var candidate = new bool[n];
        var donor = new Donor[n];
        var candidateRings = new List<int>();
        for (int r = 0; r < rings.AtomRings.Count; r++)
        {
            bool all = true;
            foreach (int a in rings.AtomRings[r])
            {
                if (seen[a])
                {
                    if (!candidate[a]) all = false;
                    continue;
                }
                seen[a] = true;
                donor[a] = DonorType(mol, rings, a);
                candidate[a] = IsCandidate(mol, a, donor[a]);
                if (!candidate[a]) all = false;
            }
            if (all) candidateRings.Add(r);
        }
        if (candidateRings.Count == 0) return;

        var atomRings = candidateRings.Select(r => rings.AtomRings[r]).ToList();
        var bondRings = candidateRings.Select(r => rings.BondRings[r]).ToList();
        int m = atomRings.Count;
        var neighbours = new List<int>[m];
        for (int i = 0; i < m; i++) neighbours[i] = [];
        for (int i = 0; i < m; i++)
        {
            if (bondRings[i].Length > MaxFusedRingSize) continue;
            for (int j = i + 1; j < m; j++)
            {
                if (bondRings[j].Length > MaxFusedRingSize) continue;
                int shared = bondRings[i].Intersect(bondRings[j]).Count();
                if (shared == 1) { neighbours[i].Add(j); neighbours[j].Add(i); }
            }
        }

        var fusedDone = new bool[m];
        for (int curr = 0; curr < m; curr++)
        {
            if (fusedDone[curr]) continue;
            var system = new List<int>();
            PickFused(curr, neighbours, system, fusedDone);
            ApplyHueckelToFused(mol, atomRings, bondRings, system, donor, neighbours);
        }
    }

    private static void PickFused(int curr, List<int>[] neighbours, List<int> result, bool[] done)
    {
        done[curr] = true;
        result.Add(curr);
        foreach (int nb in neighbours[curr])
            if (!done[nb]) PickFused(nb, neighbours, result, done);
    }

    private static void ApplyHueckelToFused(Molecule mol, List<int[]> atomRings, List<int[]> bondRings, List<int> system,
        Donor[] donor, List<int>[] neighbours)
    {
        int nRingBonds = system.SelectMany(r => bondRings[r]).Distinct().Count();
        var doneBonds = new HashSet<int>();
        int nrings = system.Count;
        for (int size = 1; size <= Math.Min(nrings, MaxFusedRings); size++)
        {
            if (doneBonds.Count >= nRingBonds) break;
            foreach (var comb in Combinations(nrings, size))
            {
                var rs = comb.Select(k => system[k]).ToList();
                if (size > 1 && !IsFused(rs, neighbours)) continue;
                var counts = new Dictionary<int, int>();
                foreach (int r in rs)
                    foreach (int a in atomRings[r]) counts[a] = counts.GetValueOrDefault(a) + 1;
                var union = counts.Where(kv => kv.Value is 1 or 2).Select(kv => kv.Key).ToList();
                if (!Hueckel(union, donor)) continue;
                foreach (int r in rs)
                    foreach (int a in atomRings[r]) mol.Atoms[a].IsAromatic = true;
                var bondCounts = new Dictionary<int, int>();
                foreach (int r in rs)
                    foreach (int b in bondRings[r]) bondCounts[b] = bondCounts.GetValueOrDefault(b) + 1;
                foreach (var (b, count) in bondCounts)
                {
                    if (count != 1) continue;
                    var bond = mol.Bonds[b];
                    bond.IsAromatic = true;
                    if (bond.Order is BondOrder.Single or BondOrder.Double) bond.Order = BondOrder.Aromatic;
                    doneBonds.Add(b);
                }
            }
        }
    }

    private static bool IsFused(List<int> rs, List<int>[] neighbours)
    {
        var inSet = new HashSet<int>(rs);
        var reached = new HashSet<int> { rs[0] };
        var stack = new Stack<int>();
        stack.Push(rs[0]);
        while (stack.Count > 0)
        {
            int r = stack.Pop();
            foreach (int nb in neighbours[r])
                if (inSet.Contains(nb) && reached.Add(nb)) stack.Push(nb);
        }
        return reached.Count == rs.Count;
    }

    private static IEnumerable<int[]> Combinations(int n, int k)
    {
        var comb = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return (int[])comb.Clone();
            int i = k - 1;
            while (i >= 0 && comb[i] == n - k + i) i--;
            if (i < 0) yield break;
            comb[i]++;
            for (int j = i + 1; j < k; j++) comb[j] = comb[j - 1] + 1;
        }
    }

    private static bool Hueckel(List<int> ring, Donor[] donor)
    {
        int low = 0, up = 0, nAny = 0;
        foreach (int a in ring)
        {
            if (donor[a] == Donor.Any && ++nAny > 1) return false;
            var (l, u) = donor[a] switch
            {
                Donor.Any or Donor.OneOrTwo => (1, 2),
                Donor.One => (1, 1),
                Donor.Two => (2, 2),
                _ => (0, 0),
            };
            low += l;
            up += u;
        }
        if (up >= 6)
        {
            for (int e = low; e <= up; e++)
                if ((e - 2) % 4 == 0) return true;
            return false;
        }
        return up == 2;
    }

    /// <summary>RDKit's count of electrons an atom can give to a pi system (-1: none possible).</summary>
    public static int CountAtomElectrons(Molecule mol, int a)
    {
        var atom = mol.Atoms[a];
        int dv = Elements.DefaultValence(atom.AtomicNumber);
        if (dv <= 1) return -1;
        int degree = atom.Degree + atom.TotalH;
        if (degree > 3) return -1;
        int nlp = Math.Max(Elements.OuterElectrons(atom.AtomicNumber) - dv - atom.Charge, 0);
        int res = dv - degree + nlp - atom.Radicals;
        if (res > 1 && mol.ExplicitValence[a] - atom.Degree > 1) res = 1;
        return res;
    }

    private static Donor DonorType(Molecule mol, RingInfo rings, int a)
    {
        var atom = mol.Atoms[a];
        int nelec = CountAtomElectrons(mol, a);
        int who = NonCyclicMultipleBondPartner(mol, rings, a);
        if (nelec < 0) return Donor.None;
        if (nelec == 0)
        {
            if (who >= 0) return Donor.Vacant;
            return CyclicMultipleBond(mol, rings, a) ? Donor.One : Donor.None;
        }
        if (nelec == 1)
        {
            if (who >= 0)
                return Elements.MoreElectronegative(mol.Atoms[who].AtomicNumber, atom.AtomicNumber) ? Donor.Vacant : Donor.One;
            if (mol.ExplicitValence[a] != atom.Degree + atom.ExplicitH) return Donor.One;
            return atom.Charge == 1 ? Donor.Vacant : Donor.None;
        }
        if (who >= 0 && Elements.MoreElectronegative(mol.Atoms[who].AtomicNumber, atom.AtomicNumber)) nelec--;
        return nelec % 2 == 1 ? Donor.One : Donor.Two;
    }

    private static int NonCyclicMultipleBondPartner(Molecule mol, RingInfo rings, int a)
    {
        foreach (var bi in mol.Atoms[a].Bonds)
        {
            var bond = mol.Bonds[bi];
            if (rings.NumBondRings(bi) == 0 && bond.ValenceContribution >= 2.0) return bond.Other(a);
        }
        return -1;
    }

    private static bool CyclicMultipleBond(Molecule mol, RingInfo rings, int a)
    {
        foreach (var bi in mol.Atoms[a].Bonds)
            if (rings.NumBondRings(bi) > 0 && mol.Bonds[bi].ValenceContribution >= 2.0) return true;
        return false;
    }

    private static bool IsCandidate(Molecule mol, int a, Donor donor)
    {
        var atom = mol.Atoms[a];
        if (atom.AtomicNumber > 18 && atom.AtomicNumber != 34 && atom.AtomicNumber != 52) return false;
        if (donor == Donor.None) return false;
        int defVal = Elements.DefaultValence(atom.AtomicNumber);
        int totalValence = mol.ExplicitValence[a] + atom.ImplicitH;
        if (defVal > 0 && totalValence > Elements.DefaultValence(atom.AtomicNumber - atom.Charge)) return false;
        if (atom.Radicals > 0 && (atom.AtomicNumber != 6 || atom.Charge != 0)) return false;
        if (mol.ExplicitValence[a] - atom.Degree > 1)
        {
            int nMult = 0;
            foreach (var bi in atom.Bonds)
                if (mol.Bonds[bi].Order is BondOrder.Double or BondOrder.Triple) nMult++;
            if (nMult > 1) return false;
        }
        return true;
    }
}
