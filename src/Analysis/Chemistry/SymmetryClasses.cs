using EquiGrid.Chemistry;

namespace EquiGrid.Analysis.Chemistry;

/// <summary>
/// Atom symmetry classes by iterative refinement (1-dimensional Weisfeiler-Lehman), the partition RDKit's
/// canonical ranking reaches without tie breaking: start from (heavy degree, atom symbol), refine by the
/// multiset of (bond symbol, neighbour class) until stable. Class numbers are ordered by invariant.
/// </summary>
internal static class SymmetryClasses
{
    public static int[] Compute(Molecule mol, IReadOnlyList<string> atomSymbols, IReadOnlyList<string> bondSymbols)
    {
        int n = mol.Atoms.Count;
        var keys = new string[n];
        for (int i = 0; i < n; i++) keys[i] = $"{mol.Atoms[i].Degree:D3}|{atomSymbols[i]}";
        var classes = Rank(keys);
        int count = classes.Distinct().Count();
        while (true)
        {
            for (int i = 0; i < n; i++)
            {
                var nbrs = mol.Atoms[i].Bonds
                    .Select(b => $"{bondSymbols[b]}#{classes[mol.Bonds[b].Other(i)]:D5}")
                    .OrderBy(s => s, StringComparer.Ordinal);
                keys[i] = $"{classes[i]:D5}|{string.Join(',', nbrs)}";
            }
            var next = Rank(keys);
            int nextCount = next.Distinct().Count();
            classes = next;
            if (nextCount == count) return classes;
            count = nextCount;
        }
    }

    private static int[] Rank(string[] keys)
    {
        var distinct = keys.Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < distinct.Count; i++) index[distinct[i]] = i;
        return keys.Select(k => index[k]).ToArray();
    }

    /// <summary>Plain constitutional classes (element, isotope, charge, hydrogens, bond orders): a stand-in for CIP ranks.</summary>
    public static int[] Constitutional(Molecule mol)
    {
        var atomSymbols = mol.Atoms.Select(a => $"{a.AtomicNumber:D3}.{a.Isotope}.{a.Charge}.{a.TotalH}").ToArray();
        var bondSymbols = mol.Bonds.Select(b => b.IsAromatic ? ":" : ((int)b.Order).ToString()).ToArray();
        return Compute(mol, atomSymbols, bondSymbols);
    }
}
