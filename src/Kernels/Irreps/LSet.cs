using System.Globalization;

namespace EquiGrid.Kernels;

/// <summary>
/// A validated set of spherical-harmonic orders, each in 0..<see cref="Irrep.MaxL"/>, sorted ascending; any
/// subset is allowed, including non-contiguous ones such as [0,3,4,5,6]. Immutable.
/// </summary>
public sealed class LSet : IEquatable<LSet>
{
    private readonly int[] _orders;

    private LSet(int[] sortedOrders) => _orders = sortedOrders;

    /// <summary>The orders, ascending.</summary>
    public IReadOnlyList<int> Orders => _orders;

    /// <summary>Largest order.</summary>
    public int LMax => _orders[^1];

    /// <summary>Number of orders.</summary>
    public int Count => _orders.Length;

    /// <summary>Total number of spherical-harmonic components, sum of (2l+1).</summary>
    public int Dim => _orders.Sum(l => 2 * l + 1);

    /// <summary>
    /// The cost of evaluating the set with direct per-order kernels: the sum of its orders (each order is
    /// evaluated on its own, so an L-set costs only what it contains).
    /// </summary>
    public int Cost => _orders.Sum();

    /// <summary>True when <paramref name="l"/> is in the set.</summary>
    public bool Contains(int l) => Array.BinarySearch(_orders, l) >= 0;

    /// <summary>Validates and creates an L-set. Errors say what is wrong and how to fix it.</summary>
    public static LSet Create(IEnumerable<int> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var list = orders.ToList();
        if (list.Count == 0) throw new ArgumentException("L-set is empty: give at least one order, e.g. [0,1,2]");
        foreach (var l in list)
        {
            if (l < 0) throw new ArgumentException($"L-set has a negative order {l}: orders are 0..{Irrep.MaxL}");
            if (l > Irrep.MaxL) throw new ArgumentException($"L-set has order {l} > {Irrep.MaxL}: the kernels support orders 0..{Irrep.MaxL}");
        }
        var dup = list.GroupBy(l => l).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"L-set lists order {dup.Key} twice: each order may appear once");
        var sorted = list.ToArray();
        Array.Sort(sorted);
        return new LSet(sorted);
    }

    /// <summary>Creates an L-set from orders given inline.</summary>
    public static LSet Of(params int[] orders) => Create(orders);

    /// <summary>Parses "0,1,2", "[0, 3, 4]" or "0 3 4".</summary>
    public static LSet Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().TrimStart('[').TrimEnd(']');
        var parts = t.Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries);
        var orders = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int l))
                throw new FormatException($"L-set '{text}': '{p}' is not an integer order; write e.g. 0,1,2");
            orders.Add(l);
        }
        return Create(orders);
    }

    /// <summary>The bracket form: "[0,3,4,5,6]".</summary>
    public override string ToString() => "[" + string.Join(",", _orders) + "]";

    /// <inheritdoc />
    public bool Equals(LSet? other) => other is not null && _orders.AsSpan().SequenceEqual(other._orders);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LSet);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var l in _orders) h.Add(l);
        return h.ToHashCode();
    }
}
