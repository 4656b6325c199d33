namespace EquiGrid.Training.Data;

/// <summary>An undirected labelled graph: atomic number per vertex and sorted (i &lt; j) edges.</summary>
public sealed record LabeledGraph(int[] AtomicNumbers, Bond[] Edges)
{
    /// <summary>Number of vertices.</summary>
    public int VertexCount => AtomicNumbers.Length;

    /// <summary>The subgraph of the non-hydrogen atoms (vertices renumbered in order).</summary>
    public LabeledGraph HeavyAtoms()
    {
        var map = new int[AtomicNumbers.Length];
        var z = new List<int>();
        for (int i = 0; i < AtomicNumbers.Length; i++)
        {
            map[i] = AtomicNumbers[i] == 1 ? -1 : z.Count;
            if (AtomicNumbers[i] != 1) z.Add(AtomicNumbers[i]);
        }
        var edges = Edges.Where(e => map[e.I] >= 0 && map[e.J] >= 0).Select(e => new Bond(map[e.I], map[e.J])).ToArray();
        return new LabeledGraph(z.ToArray(), edges);
    }

    /// <summary>The graph of a molecule's perceived bonds.</summary>
    public static LabeledGraph FromMolecule(Molecule m, double tolerance = BondPerception.DefaultTolerance) =>
        new(m.AtomicNumbers, BondPerception.Perceive(m, tolerance).ToArray());
}

/// <summary>
/// Reads the connectivity (atoms and which atoms are bonded; bond orders, charges and stereo are ignored) of a
/// SMILES string: organic-subset and bracket atoms, aromatic lowercase atoms, branches, ring closures (digits and
/// %nn, with an optional bond symbol), bond symbols - = # $ : / \ and '.' for disconnected parts.
/// Implicit hydrogens are not materialised; explicit [H] atoms are vertices.
/// </summary>
public static class SmilesConnectivity
{
    /// <summary>Parses a SMILES into its atom graph.</summary>
    /// <exception cref="FormatException">Malformed SMILES; the message names the position.</exception>
    public static LabeledGraph Parse(string smiles)
    {
        var atoms = new List<int>();
        var edges = new List<Bond>();
        var branchStack = new Stack<int>();
        var rings = new Dictionary<int, int>();
        int previous = -1;
        int i = 0;
        while (i < smiles.Length)
        {
            char c = smiles[i];
            switch (c)
            {
                case '(':
                    if (previous < 0) throw Error(smiles, i, "branch opens before any atom");
                    branchStack.Push(previous);
                    i++;
                    continue;
                case ')':
                    if (branchStack.Count == 0) throw Error(smiles, i, "unbalanced ')'");
                    previous = branchStack.Pop();
                    i++;
                    continue;
                case '.':
                    previous = -1;
                    i++;
                    continue;
                case '-' or '=' or '#' or '$' or ':' or '/' or '\\':
                    i++;
                    continue;
                case '%':
                    if (i + 2 >= smiles.Length || !char.IsAsciiDigit(smiles[i + 1]) || !char.IsAsciiDigit(smiles[i + 2]))
                        throw Error(smiles, i, "'%' must be followed by two digits");
                    CloseRing((smiles[i + 1] - '0') * 10 + (smiles[i + 2] - '0'), i);
                    i += 3;
                    continue;
            }
            if (char.IsAsciiDigit(c))
            {
                CloseRing(c - '0', i);
                i++;
                continue;
            }
            int z;
            if (c == '[')
            {
                int end = smiles.IndexOf(']', i);
                if (end < 0) throw Error(smiles, i, "unclosed '['");
                z = BracketElement(smiles, i + 1, end);
                i = end + 1;
            }
            else
            {
                (z, int length) = OrganicElement(smiles, i);
                i += length;
            }
            int atom = atoms.Count;
            atoms.Add(z);
            if (previous >= 0) edges.Add(new Bond(Math.Min(previous, atom), Math.Max(previous, atom)));
            previous = atom;
        }
        if (branchStack.Count > 0) throw Error(smiles, smiles.Length, "unclosed '('");
        if (rings.Count > 0) throw Error(smiles, smiles.Length, $"ring bond {rings.Keys.First()} never closed");
        var unique = edges.Distinct().OrderBy(e => e.I).ThenBy(e => e.J).ToArray();
        return new LabeledGraph(atoms.ToArray(), unique);

        void CloseRing(int label, int position)
        {
            if (previous < 0) throw Error(smiles, position, $"ring bond {label} before any atom");
            if (rings.Remove(label, out int other))
            {
                if (other == previous) throw Error(smiles, position, $"ring bond {label} closes on its own atom");
                edges.Add(new Bond(Math.Min(other, previous), Math.Max(other, previous)));
            }
            else rings[label] = previous;
        }
    }

    private static (int Z, int Length) OrganicElement(string s, int i)
    {
        if (i + 1 < s.Length)
        {
            if (s[i] == 'C' && s[i + 1] == 'l') return (17, 2);
            if (s[i] == 'B' && s[i + 1] == 'r') return (35, 2);
        }
        return s[i] switch
        {
            'B' or 'b' => (5, 1),
            'C' or 'c' => (6, 1),
            'N' or 'n' => (7, 1),
            'O' or 'o' => (8, 1),
            'F' => (9, 1),
            'P' or 'p' => (15, 1),
            'S' or 's' => (16, 1),
            'I' => (53, 1),
            _ => throw Error(s, i, $"unexpected character '{s[i]}'"),
        };
    }

    // [isotope? symbol chiral? hcount? charge? class?]: only the symbol matters for connectivity.
    private static int BracketElement(string s, int start, int end)
    {
        int i = start;
        while (i < end && char.IsAsciiDigit(s[i])) i++;
        if (i >= end) throw Error(s, start, "bracket atom without an element");
        string two = i + 1 < end ? s.Substring(i, 2) : "";
        int z = two switch
        {
            "Cl" => 17, "Br" => 35, "Si" => 14, "Se" or "se" => 34, "As" or "as" => 33, "Na" => 11, "Li" => 3,
            _ => 0,
        };
        if (z != 0) return z;
        return s[i] switch
        {
            'H' => 1,
            'B' or 'b' => 5,
            'C' or 'c' => 6,
            'N' or 'n' => 7,
            'O' or 'o' => 8,
            'F' => 9,
            'P' or 'p' => 15,
            'S' or 's' => 16,
            'I' => 53,
            _ => throw Error(s, i, $"unknown element in bracket atom '{s[(start - 1)..(end + 1)]}'"),
        };
    }

    private static FormatException Error(string smiles, int position, string problem) =>
        new($"SMILES '{smiles}', position {position + 1}: {problem}");
}
