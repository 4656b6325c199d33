using System.Globalization;

namespace EquiGrid.Chemistry;

/// <summary>
/// Reads a SMILES string (organic subset, bracket atoms, aromatic lower case, bonds - = # : / \ and '.',
/// branches, ring closures with digits and %nn) into a <see cref="Molecule"/>. Hydrogens stay implicit:
/// explicit [H] atoms are folded into their neighbour's hydrogen count. Errors are
/// <see cref="FormatException"/>s naming the 1-based character position. Only syntax is checked here; valence
/// and aromaticity are <see cref="MoleculePerception"/>'s, so a connectivity-only reader can use the parse alone.
/// </summary>
public sealed class SmilesParser
{
    private static readonly string[] OrganicTwoLetter = ["Cl", "Br"];
    private const string OrganicOneLetter = "BCNOPSFI";
    private const string AromaticOrganic = "bcnops";

    private readonly string _s;
    private int _pos;
    private readonly Molecule _mol = new();
    private readonly List<(int Atom, int Partner)> _hydrogenAtoms = [];

    private sealed record RingOpening(int Atom, BondOrder? Order, char Direction, int SymbolPosition, int SlotIndex);

    private SmilesParser(string smiles) => _s = smiles;

    /// <summary>Parses <paramref name="smiles"/>; throws <see cref="FormatException"/> with the position on error.</summary>
    public static Molecule Parse(string smiles)
    {
        ArgumentNullException.ThrowIfNull(smiles);
        var parser = new SmilesParser(smiles.Trim());
        return parser.Run();
    }

    private FormatException Error(string message, int position) =>
        new($"SMILES '{_s}': {message} at character {position + 1}");

    private Molecule Run()
    {
        if (_s.Length == 0) throw new FormatException("SMILES is empty");
        var hydrogenFlags = new List<bool>();
        var ringOpen = new Dictionary<int, RingOpening>();
        var branchStack = new Stack<int>();
        int previous = -1;
        BondOrder? pendingOrder = null;
        char pendingDir = '\0';
        int pendingBondPos = -1;
        bool dotPending = false;

        while (_pos < _s.Length)
        {
            char c = _s[_pos];
            int start = _pos;
            switch (c)
            {
                case '(':
                    if (previous < 0) throw Error("branch '(' before any atom", start);
                    if (pendingOrder != null || pendingDir != '\0') throw Error("bond symbol before '('", start);
                    branchStack.Push(previous);
                    _pos++;
                    continue;
                case ')':
                    if (branchStack.Count == 0) throw Error("unmatched ')'", start);
                    if (pendingOrder != null || pendingDir != '\0') throw Error("bond symbol before ')'", start);
                    previous = branchStack.Pop();
                    _pos++;
                    continue;
                case '-' or '=' or '#' or ':' or '/' or '\\' or '$':
                    if (previous < 0) throw Error($"bond '{c}' before any atom", start);
                    if (pendingOrder != null || pendingDir != '\0') throw Error($"two bond symbols in a row ('{c}')", start);
                    (pendingOrder, pendingDir) = c switch
                    {
                        '-' => (BondOrder.Single, '\0'),
                        '=' => (BondOrder.Double, '\0'),
                        '#' => (BondOrder.Triple, '\0'),
                        ':' => (BondOrder.Aromatic, '\0'),
                        '/' or '\\' => ((BondOrder?)BondOrder.Single, c),
                        _ => throw Error("quadruple bond '$' is not supported", start),
                    };
                    pendingBondPos = start;
                    _pos++;
                    continue;
                case '.':
                    if (previous < 0 || pendingOrder != null) throw Error("misplaced '.'", start);
                    dotPending = true;
                    _pos++;
                    continue;
                case '%' or (>= '0' and <= '9'):
                {
                    if (previous < 0) throw Error("ring closure before any atom", start);
                    int number = ReadRingNumber();
                    if (ringOpen.TryGetValue(number, out var open))
                    {
                        ringOpen.Remove(number);
                        if (open.Atom == previous) throw Error($"ring closure {number} bonds an atom to itself", start);
                        if (_mol.BondBetween(open.Atom, previous) != null) throw Error($"ring closure {number} duplicates an existing bond", start);
                        BondOrder? order = pendingOrder;
                        if (open.Order != null && pendingOrder != null && open.Order != pendingOrder)
                            throw Error($"ring closure {number} has conflicting bond symbols", start);
                        order ??= open.Order;
                        bool bothAromatic = _mol.Atoms[open.Atom].AromaticInput && _mol.Atoms[previous].AromaticInput;
                        var bo = order ?? (bothAromatic ? BondOrder.Aromatic : BondOrder.Single);
                        // A direction written at the closing digit reads from the closing atom.
                        if (pendingDir != '\0') _mol.AddBond(previous, open.Atom, bo, pendingDir);
                        else _mol.AddBond(open.Atom, previous, bo, open.Direction);
                        _mol.Atoms[open.Atom].SmilesNeighbourOrder[open.SlotIndex] = previous;
                        _mol.Atoms[previous].SmilesNeighbourOrder.Add(open.Atom);
                    }
                    else
                    {
                        var slots = _mol.Atoms[previous].SmilesNeighbourOrder;
                        slots.Add(int.MinValue);
                        ringOpen[number] = new RingOpening(previous, pendingOrder, pendingDir, start, slots.Count - 1);
                    }
                    pendingOrder = null;
                    pendingDir = '\0';
                    continue;
                }
            }

            // An atom.
            int atomIndex = ReadAtom(hydrogenFlags);
            if (previous >= 0 && !dotPending)
            {
                bool bothAromatic = _mol.Atoms[previous].AromaticInput && _mol.Atoms[atomIndex].AromaticInput;
                var order = pendingOrder ?? (bothAromatic ? BondOrder.Aromatic : BondOrder.Single);
                _mol.AddBond(previous, atomIndex, order, pendingDir);
                _mol.Atoms[previous].SmilesNeighbourOrder.Add(atomIndex);
                // The preceding atom comes first in the new atom's reference order, before its bracket H.
                _mol.Atoms[atomIndex].SmilesNeighbourOrder.Insert(0, previous);
            }
            else if (pendingOrder != null)
            {
                throw Error("bond symbol after '.'", pendingBondPos);
            }
            dotPending = false;
            pendingOrder = null;
            pendingDir = '\0';
            previous = atomIndex;
        }

        if (pendingOrder != null || pendingDir != '\0') throw Error("SMILES ends with a bond symbol", pendingBondPos);
        if (dotPending) throw Error("SMILES ends with '.'", _s.Length - 1);
        if (branchStack.Count > 0) throw Error("unclosed '('", _s.Length - 1);
        if (ringOpen.Count > 0)
        {
            var open = ringOpen.OrderBy(kv => kv.Value.SymbolPosition).First();
            throw Error($"ring closure {open.Key} is never closed", open.Value.SymbolPosition);
        }
        return FoldHydrogens(hydrogenFlags);
    }

    private int ReadRingNumber()
    {
        if (_s[_pos] == '%')
        {
            int start = _pos;
            if (_pos + 2 >= _s.Length || !char.IsAsciiDigit(_s[_pos + 1]) || !char.IsAsciiDigit(_s[_pos + 2]))
                throw Error("'%' must be followed by two digits", start);
            int n = (_s[_pos + 1] - '0') * 10 + (_s[_pos + 2] - '0');
            _pos += 3;
            return n;
        }
        return _s[_pos++] - '0';
    }

    private int ReadAtom(List<bool> hydrogenFlags)
    {
        int start = _pos;
        char c = _s[_pos];
        if (c == '[') return ReadBracketAtom(hydrogenFlags);
        if (c == '*') throw Error("wildcard atom '*' is not supported", start);
        foreach (var two in OrganicTwoLetter)
        {
            if (string.CompareOrdinal(_s, _pos, two, 0, 2) == 0)
            {
                _pos += 2;
                return AddAtom(two, aromatic: false, bracket: false, 0, 0, 0, ChiralMark.None, hydrogenFlags);
            }
        }
        if (OrganicOneLetter.Contains(c))
        {
            _pos++;
            return AddAtom(c.ToString(), false, false, 0, 0, 0, ChiralMark.None, hydrogenFlags);
        }
        if (AromaticOrganic.Contains(c))
        {
            _pos++;
            return AddAtom(char.ToUpperInvariant(c).ToString(), true, false, 0, 0, 0, ChiralMark.None, hydrogenFlags);
        }
        throw Error($"unexpected character '{c}'", start);
    }

    private int ReadBracketAtom(List<bool> hydrogenFlags)
    {
        int open = _pos;
        int close = _s.IndexOf(']', _pos);
        if (close < 0) throw Error("unclosed '['", open);
        _pos++;
        int isotope = 0;
        int digitsStart = _pos;
        while (_pos < close && char.IsAsciiDigit(_s[_pos])) _pos++;
        if (_pos > digitsStart) isotope = int.Parse(_s.AsSpan(digitsStart, _pos - digitsStart), CultureInfo.InvariantCulture);

        if (_pos >= close) throw Error("bracket atom without an element", open);
        string symbol;
        bool aromatic = false;
        int symbolPos = _pos;
        if (char.IsAsciiLetterUpper(_s[_pos]))
        {
            bool twoLetter = _pos + 1 < close && char.IsAsciiLetterLower(_s[_pos + 1])
                && Elements.TryGetNumber(_s.Substring(_pos, 2), out _);
            symbol = _s.Substring(_pos, twoLetter ? 2 : 1);
            _pos += symbol.Length;
        }
        else if (_pos + 1 < close && _s.Substring(_pos, 2) is "se" or "as" or "te")
        {
            symbol = char.ToUpperInvariant(_s[_pos]) + _s.Substring(_pos + 1, 1);
            aromatic = true;
            _pos += 2;
        }
        else if (AromaticOrganic.Contains(_s[_pos]))
        {
            symbol = char.ToUpperInvariant(_s[_pos]).ToString();
            aromatic = true;
            _pos++;
        }
        else throw Error($"unknown element in bracket atom '{_s.Substring(open, close - open + 1)}'", symbolPos);
        if (!Elements.TryGetNumber(symbol, out _)) throw Error($"unsupported element '{symbol}'", symbolPos);

        var chiral = ChiralMark.None;
        if (_pos < close && _s[_pos] == '@')
        {
            int at = _pos;
            _pos++;
            chiral = ChiralMark.Anticlockwise;
            if (_pos < close && _s[_pos] == '@') { chiral = ChiralMark.Clockwise; _pos++; }
            if (_pos < close && char.IsAsciiLetterUpper(_s[_pos]) && _s[_pos] != 'H')
                throw Error("only tetrahedral chirality @ and @@ is supported", at);
        }

        int hCount = 0;
        if (_pos < close && _s[_pos] == 'H')
        {
            _pos++;
            hCount = 1;
            if (_pos < close && char.IsAsciiDigit(_s[_pos])) hCount = _s[_pos++] - '0';
        }

        int charge = 0;
        if (_pos < close && (_s[_pos] == '+' || _s[_pos] == '-'))
        {
            char sign = _s[_pos];
            int magnitude = 0;
            while (_pos < close && _s[_pos] == sign) { magnitude++; _pos++; }
            if (magnitude == 1 && _pos < close && char.IsAsciiDigit(_s[_pos]))
            {
                int ds = _pos;
                while (_pos < close && char.IsAsciiDigit(_s[_pos])) _pos++;
                magnitude = int.Parse(_s.AsSpan(ds, _pos - ds), CultureInfo.InvariantCulture);
            }
            charge = sign == '+' ? magnitude : -magnitude;
        }

        if (_pos < close && _s[_pos] == ':')
        {
            _pos++;
            int ds = _pos;
            while (_pos < close && char.IsAsciiDigit(_s[_pos])) _pos++;
            if (_pos == ds) throw Error("atom class ':' needs a number", ds - 1);
        }
        if (_pos != close) throw Error($"unexpected '{_s[_pos]}' in bracket atom", _pos);
        _pos = close + 1;

        return AddAtom(symbol, aromatic, bracket: true, isotope, charge, hCount, chiral, hydrogenFlags);
    }

    private int AddAtom(string symbol, bool aromatic, bool bracket, int isotope, int charge, int hCount,
        ChiralMark chiral, List<bool> hydrogenFlags)
    {
        Elements.TryGetNumber(symbol, out int number);
        var atom = new MolAtom
        {
            Index = _mol.Atoms.Count, AtomicNumber = number, Symbol = symbol, Isotope = isotope, Charge = charge,
            Bracket = bracket, ExplicitH = hCount, AromaticInput = aromatic, Chiral = chiral,
        };
        for (int i = 0; i < hCount; i++) atom.SmilesNeighbourOrder.Add(-1);
        _mol.Atoms.Add(atom);
        hydrogenFlags.Add(symbol == "H");
        return atom.Index;
    }

    /// <summary>
    /// Removes explicit hydrogen atoms ([H], [2H] ...) bonded to one heavy atom, adding them to its bracket
    /// hydrogen count as RDKit's default hydrogen removal does; a lone or charged hydrogen is an error.
    /// </summary>
    private Molecule FoldHydrogens(List<bool> isHydrogen)
    {
        if (!isHydrogen.Contains(true)) return _mol;
        var result = new Molecule();
        var map = new int[_mol.Atoms.Count];
        for (int i = 0; i < _mol.Atoms.Count; i++)
        {
            if (isHydrogen[i])
            {
                map[i] = -1;
                var h = _mol.Atoms[i];
                if (h.Bonds.Count != 1 || h.Charge != 0 || _mol.Bonds[h.Bonds[0]].Order != BondOrder.Single)
                    throw new FormatException($"SMILES '{_s}': explicit hydrogen atom {i + 1} must have exactly one single bond and no charge");
                continue;
            }
            var a = _mol.Atoms[i];
            var copy = new MolAtom
            {
                Index = result.Atoms.Count, AtomicNumber = a.AtomicNumber, Symbol = a.Symbol, Isotope = a.Isotope,
                Charge = a.Charge, Bracket = a.Bracket, ExplicitH = a.ExplicitH, AromaticInput = a.AromaticInput, Chiral = a.Chiral,
            };
            map[i] = copy.Index;
            result.Atoms.Add(copy);
        }
        for (int i = 0; i < _mol.Atoms.Count; i++)
        {
            if (map[i] < 0) continue;
            var copy = result.Atoms[map[i]];
            foreach (int n in _mol.Atoms[i].SmilesNeighbourOrder)
            {
                if (n >= 0 && map[n] < 0)
                {
                    copy.SmilesNeighbourOrder.Add(-1);
                    copy.ExplicitH++;
                }
                else copy.SmilesNeighbourOrder.Add(n < 0 ? -1 : map[n]);
            }
        }
        foreach (var b in _mol.Bonds)
        {
            if (map[b.Begin] < 0 || map[b.End] < 0) continue;
            result.AddBond(map[b.Begin], map[b.End], b.Order, b.Direction);
        }
        return result;
    }
}
