using System.Globalization;

namespace EquiGrid.Kernels;

/// <summary>
/// One irreducible representation of O(3): order <see cref="L"/> and parity <see cref="Parity"/> (+1 even "e",
/// -1 odd "o"). An immutable value, written like e3nn: "0e", "1o", "2e".
/// </summary>
public readonly record struct Irrep
{
    /// <summary>Largest order the kernels support.</summary>
    public const int MaxL = 10;

    /// <summary>Creates an irrep; <paramref name="parity"/> must be +1 or -1.</summary>
    public Irrep(int l, int parity)
    {
        if (l < 0) throw new ArgumentOutOfRangeException(nameof(l), l, "irrep order l must be >= 0");
        if (parity != 1 && parity != -1) throw new ArgumentOutOfRangeException(nameof(parity), parity, "irrep parity must be +1 (e) or -1 (o)");
        L = l;
        Parity = parity;
    }

    /// <summary>The order l.</summary>
    public int L { get; }

    /// <summary>+1 (even, "e") or -1 (odd, "o").</summary>
    public int Parity { get; }

    /// <summary>Dimension 2l+1.</summary>
    public int Dim => 2 * L + 1;

    /// <summary>The irrep of spherical harmonics of order l: parity (-1)^l.</summary>
    public static Irrep SphericalHarmonic(int l) => new(l, l % 2 == 0 ? 1 : -1);

    /// <summary>Parses "1o", "2e", "0e".</summary>
    public static Irrep Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length < 2) throw new FormatException($"irrep '{text}': expected an order and a parity, e.g. '1o' or '2e'");
        char p = t[^1];
        int parity = p switch
        {
            'e' => 1,
            'o' => -1,
            _ => throw new FormatException($"irrep '{text}': parity must be 'e' (even) or 'o' (odd), e.g. '1o'"),
        };
        if (!int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out int l))
            throw new FormatException($"irrep '{text}': order must be a non-negative integer, e.g. '2e'");
        return new Irrep(l, parity);
    }

    /// <summary>The e3nn form: "1o".</summary>
    public override string ToString() => $"{L}{(Parity == 1 ? 'e' : 'o')}";

    /// <summary>Parity product of two irreps (the parity of their tensor-product outputs).</summary>
    public static int ProductParity(Irrep a, Irrep b) => a.Parity * b.Parity;
}

/// <summary>A multiplicity times an irrep: "16x1o".</summary>
public readonly record struct MulIrrep(int Mul, Irrep Irrep)
{
    /// <summary>Dimension Mul * (2l+1).</summary>
    public int Dim => Mul * Irrep.Dim;

    /// <summary>The e3nn form: "16x1o".</summary>
    public override string ToString() => $"{Mul}x{Irrep}";
}
