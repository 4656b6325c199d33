using System.Collections;
using System.Globalization;

namespace EquiGrid.Kernels;

/// <summary>
/// A direct sum of irreps with multiplicities, such as "16x0e+16x1o+16x2e": an immutable description of how a
/// feature vector is laid out (e3nn's <c>o3.Irreps</c>). Blocks keep the order given; the layout of one block is
/// multiplicity-major: <c>[mul][2l+1]</c>.
/// </summary>
public sealed class Irreps : IReadOnlyList<MulIrrep>, IEquatable<Irreps>
{
    private readonly MulIrrep[] _items;
    private readonly int[] _offsets;

    /// <summary>Creates irreps from blocks (zero multiplicities are kept: they describe empty blocks).</summary>
    public Irreps(IEnumerable<MulIrrep> items)
    {
        _items = items.ToArray();
        foreach (var m in _items)
            if (m.Mul < 0) throw new ArgumentOutOfRangeException(nameof(items), m.Mul, "multiplicity must be >= 0");
        _offsets = new int[_items.Length + 1];
        for (int i = 0; i < _items.Length; i++) _offsets[i + 1] = _offsets[i] + _items[i].Dim;
    }

    /// <summary>The empty representation.</summary>
    public static Irreps Empty { get; } = new(Array.Empty<MulIrrep>());

    /// <summary>Total dimension.</summary>
    public int Dim => _offsets[^1];

    /// <summary>Sum of multiplicities.</summary>
    public int NumIrreps => _items.Sum(m => m.Mul);

    /// <summary>Largest l present (-1 when empty).</summary>
    public int LMax => _items.Length == 0 ? -1 : _items.Max(m => m.Irrep.L);

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public MulIrrep this[int index] => _items[index];

    /// <summary>Start offset and length of block <paramref name="index"/> in the flat feature vector.</summary>
    public (int Start, int Length) Slice(int index) => (_offsets[index], _items[index].Dim);

    /// <summary>Start offsets of every block, plus the total dimension at the end.</summary>
    public IReadOnlyList<int> Offsets => _offsets;

    /// <summary>
    /// Parses "16x0e+16x1o+2e" (a missing multiplicity means 1; spaces are ignored; "" is empty).
    /// Errors name the offending term.
    /// </summary>
    public static Irreps Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Replace(" ", "");
        if (t.Length == 0) return Empty;
        var items = new List<MulIrrep>();
        foreach (var term in t.Split('+'))
        {
            if (term.Length == 0) throw new FormatException($"irreps '{text}': empty term (two '+' in a row or a trailing '+')");
            int x = term.IndexOf('x');
            int mul = 1;
            string irrep = term;
            if (x >= 0)
            {
                if (!int.TryParse(term[..x], NumberStyles.None, CultureInfo.InvariantCulture, out mul))
                    throw new FormatException($"irreps '{text}': term '{term}' has no valid multiplicity before 'x', e.g. '16x1o'");
                irrep = term[(x + 1)..];
            }
            items.Add(new MulIrrep(mul, Irrep.Parse(irrep)));
        }
        return new Irreps(items);
    }

    /// <summary>Spherical-harmonic irreps of an L-set: one copy of each order, parity (-1)^l ("1x0e+1x1o+1x2e").</summary>
    public static Irreps SphericalHarmonics(LSet lset) => new(lset.Orders.Select(l => new MulIrrep(1, Irrep.SphericalHarmonic(l))));

    /// <summary>Hidden irreps of the study's model: <paramref name="mul"/> copies of every order in the L-set, parity (-1)^l.</summary>
    public static Irreps Hidden(LSet lset, int mul) => new(lset.Orders.Select(l => new MulIrrep(mul, Irrep.SphericalHarmonic(l))));

    /// <summary>The e3nn form: "16x0e+16x1o".</summary>
    public override string ToString() => string.Join("+", _items.Select(m => m.ToString()));

    /// <inheritdoc />
    public IEnumerator<MulIrrep> GetEnumerator() => ((IEnumerable<MulIrrep>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc />
    public bool Equals(Irreps? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Irreps);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var m in _items) h.Add(m);
        return h.ToHashCode();
    }
}
