using System.Collections;

namespace EquiGrid.Chemistry;

/// <summary>
/// Ring perception as RDKit's symmetrised SSSR: a smallest set of smallest rings, plus every other relevant
/// ring of the same size that could replace one SSSR ring without losing a ring bond (RDKit's symmetrisation
/// test). Rings are stored as atoms in cycle order and as bond indices.
/// </summary>
public sealed class RingInfo
{
    private const int MaxCycles = 200_000;

    /// <summary>Each ring as its atoms in cycle order.</summary>
    public List<int[]> AtomRings { get; } = [];
    /// <summary>Each ring as its bond indices, same ring order as <see cref="AtomRings"/>.</summary>
    public List<int[]> BondRings { get; } = [];
    private readonly int[] _atomRingCount;
    private readonly int[] _bondRingCount;

    private RingInfo(int atoms, int bonds)
    {
        _atomRingCount = new int[atoms];
        _bondRingCount = new int[bonds];
    }

    /// <summary>How many of the perceived rings contain <paramref name="atom"/>.</summary>
    public int NumAtomRings(int atom) => _atomRingCount[atom];
    /// <summary>How many of the perceived rings contain <paramref name="bond"/>.</summary>
    public int NumBondRings(int bond) => _bondRingCount[bond];
    /// <summary>True when <paramref name="atom"/> lies in any perceived ring.</summary>
    public bool IsAtomInRing(int atom) => _atomRingCount[atom] > 0;

    /// <summary>True when <paramref name="atom"/> lies in a perceived ring of exactly <paramref name="size"/> atoms.</summary>
    public bool IsAtomInRingOfSize(int atom, int size) =>
        AtomRings.Any(r => r.Length == size && Array.IndexOf(r, atom) >= 0);

    /// <summary>Indices of the rings that contain <paramref name="atom"/>, ascending.</summary>
    public IEnumerable<int> AtomMembers(int atom)
    {
        for (int r = 0; r < AtomRings.Count; r++)
            if (Array.IndexOf(AtomRings[r], atom) >= 0) yield return r;
    }

    /// <summary>Perceives the rings of <paramref name="mol"/> (through <see cref="MoleculePerception.Perceive"/>).</summary>
    internal static RingInfo Perceive(Molecule mol)
    {
        var info = new RingInfo(mol.Atoms.Count, mol.Bonds.Count);
        int cyclomatic = mol.Bonds.Count - mol.Atoms.Count + CountComponents(mol);
        if (cyclomatic == 0) return info;

        var cycles = EnumerateCycles(mol);
        cycles.Sort((a, b) => a.Atoms.Length != b.Atoms.Length
            ? a.Atoms.Length.CompareTo(b.Atoms.Length)
            : CompareSorted(a.Atoms, b.Atoms));

        // Greedy GF(2) elimination over bond sets: the kept cycles form a minimum cycle basis (the SSSR).
        var basis = new List<BitArray>();
        var pivots = new List<int>();
        var sssr = new List<Cycle>();
        var extras = new List<Cycle>();
        int i = 0;
        while (i < cycles.Count)
        {
            int size = cycles[i].Atoms.Length;
            int j = i;
            while (j < cycles.Count && cycles[j].Atoms.Length == size) j++;
            // Relevance is judged against cycles strictly smaller, so snapshot the basis before this size.
            var smallerBasis = basis.Select(b => (BitArray)b.Clone()).ToList();
            var smallerPivots = pivots.ToList();
            for (int k = i; k < j; k++)
            {
                var c = cycles[k];
                bool independent = Reduce(c.BondSet, basis, pivots, mol.Bonds.Count, out var reduced, out int pivot);
                if (independent && sssr.Count < cyclomatic)
                {
                    basis.Add(reduced);
                    pivots.Add(pivot);
                    sssr.Add(c);
                }
                else if (Reduce(c.BondSet, smallerBasis, smallerPivots, mol.Bonds.Count, out _, out _))
                {
                    extras.Add(c);
                }
            }
            i = j;
        }

        foreach (var c in sssr) info.Add(c);
        info.AddSymmetricExtras(extras);
        return info;
    }

    private void Add(Cycle c)
    {
        AtomRings.Add(c.Atoms);
        BondRings.Add(c.Bonds);
        foreach (var a in c.Atoms) _atomRingCount[a]++;
        foreach (var b in c.Bonds) _bondRingCount[b]++;
    }

    /// <summary>RDKit's symmetrisation: an extra ring joins if it can stand in for one same-size SSSR ring.</summary>
    private void AddSymmetricExtras(List<Cycle> extras)
    {
        var bondCounts = (int[])_bondRingCount.Clone();
        var sssrBonds = BondRings.ToList();
        foreach (var extra in extras)
        {
            var extraSet = new HashSet<int>(extra.Bonds);
            foreach (var ring in sssrBonds)
            {
                if (ring.Length != extra.Bonds.Length) continue;
                bool shareBond = false, replacesAllUnique = true;
                foreach (int b in ring)
                {
                    int count = bondCounts[b];
                    if (count == 1 || !shareBond)
                    {
                        if (extraSet.Contains(b)) shareBond = true;
                        else if (count == 1) replacesAllUnique = false;
                    }
                }
                if (shareBond && replacesAllUnique)
                {
                    Add(extra);
                    break;
                }
            }
        }
    }

    private static bool Reduce(BitArray set, List<BitArray> basis, List<int> pivots, int nBonds, out BitArray reduced, out int pivot)
    {
        reduced = (BitArray)set.Clone();
        for (int k = 0; k < basis.Count; k++)
            if (reduced[pivots[k]]) reduced.Xor(basis[k]);
        pivot = -1;
        for (int b = 0; b < nBonds; b++)
            if (reduced[b]) { pivot = b; break; }
        return pivot >= 0;
    }

    private static int CompareSorted(int[] a, int[] b)
    {
        var sa = a.Order().ToArray();
        var sb = b.Order().ToArray();
        for (int k = 0; k < sa.Length; k++)
            if (sa[k] != sb[k]) return sa[k].CompareTo(sb[k]);
        return 0;
    }

    private sealed record Cycle(int[] Atoms, int[] Bonds, BitArray BondSet);

    /// <summary>All simple cycles, each once, with its atoms in walk order starting at its lowest atom.</summary>
    private static List<Cycle> EnumerateCycles(Molecule mol)
    {
        var result = new List<Cycle>();
        var seen = new HashSet<string>();
        int n = mol.Atoms.Count;
        var onPath = new bool[n];
        var path = new List<int>();
        var pathBonds = new List<int>();
        for (int start = 0; start < n; start++)
        {
            path.Add(start);
            onPath[start] = true;
            Dfs(start, start);
            onPath[start] = false;
            path.Clear();
        }
        return result;

        void Dfs(int start, int current)
        {
            foreach (var bi in mol.Atoms[current].Bonds)
            {
                int next = mol.Bonds[bi].Other(current);
                if (next == start && path.Count >= 3 && bi != pathBonds[^1])
                {
                    var bonds = pathBonds.Append(bi).ToArray();
                    var key = string.Join(',', bonds.Order());
                    if (seen.Add(key))
                    {
                        if (result.Count >= MaxCycles)
                            throw new FormatException($"molecule has more than {MaxCycles} rings to examine; ring perception is limited to small molecules");
                        var set = new BitArray(mol.Bonds.Count);
                        foreach (var b in bonds) set[b] = true;
                        result.Add(new Cycle(path.ToArray(), bonds, set));
                    }
                    continue;
                }
                if (next <= start || onPath[next]) continue;
                onPath[next] = true;
                path.Add(next);
                pathBonds.Add(bi);
                Dfs(start, next);
                path.RemoveAt(path.Count - 1);
                pathBonds.RemoveAt(pathBonds.Count - 1);
                onPath[next] = false;
            }
        }
    }

    private static int CountComponents(Molecule mol)
    {
        int n = mol.Atoms.Count, count = 0;
        var seen = new bool[n];
        var stack = new Stack<int>();
        for (int s = 0; s < n; s++)
        {
            if (seen[s]) continue;
            count++;
            seen[s] = true;
            stack.Push(s);
            while (stack.Count > 0)
            {
                int a = stack.Pop();
                foreach (int b in mol.Neighbours(a))
                    if (!seen[b]) { seen[b] = true; stack.Push(b); }
            }
        }
        return count;
    }
}
