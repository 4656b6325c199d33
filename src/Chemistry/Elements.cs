namespace EquiGrid.Chemistry;

/// <summary>The periodic-table facts perception needs (RDKit's values for the elements a SMILES here may hold).</summary>
internal static class Elements
{
    private sealed record Element(int Number, string Symbol, int OuterElectrons, int[] Valences);

    private static readonly Element[] Table =
    [
        new(1, "H", 1, [1]), new(3, "Li", 1, [1]), new(4, "Be", 2, [2]), new(5, "B", 3, [3]), new(6, "C", 4, [4]),
        new(7, "N", 5, [3]), new(8, "O", 6, [2]), new(9, "F", 7, [1]), new(11, "Na", 1, [1]), new(12, "Mg", 2, [2, -1]),
        new(13, "Al", 3, [3, 6]), new(14, "Si", 4, [4, 6]), new(15, "P", 5, [3, 5, 7]), new(16, "S", 6, [2, 4, 6]),
        new(17, "Cl", 7, [1]), new(19, "K", 1, [1]), new(20, "Ca", 2, [2, -1]), new(33, "As", 5, [3, 5, 7]),
        new(34, "Se", 6, [2, 4, 6]), new(35, "Br", 7, [1]), new(52, "Te", 6, [2, 4, 6]), new(53, "I", 7, [1, 3, 5]),
    ];

    private static readonly Dictionary<string, Element> BySymbol = Table.ToDictionary(e => e.Symbol, StringComparer.Ordinal);
    private static readonly Dictionary<int, Element> ByNumber = Table.ToDictionary(e => e.Number);

    public static bool TryGetNumber(string symbol, out int number)
    {
        number = BySymbol.TryGetValue(symbol, out var e) ? e.Number : 0;
        return number != 0;
    }

    public static string Symbol(int number) => ByNumber[number].Symbol;

    public static int OuterElectrons(int number) => ByNumber.TryGetValue(number, out var e) ? e.OuterElectrons : 0;

    public static IReadOnlyList<int> Valences(int number) => ByNumber.TryGetValue(number, out var e) ? e.Valences : [-1];

    /// <summary>First allowed valence (RDKit's default valence); -1 where any valence is allowed.</summary>
    public static int DefaultValence(int number) => number <= 0 ? -1 : ByNumber.TryGetValue(number, out var e) ? e.Valences[0] : -1;

    /// <summary>Elements left of carbon: hydrogens add to them as H-, so a charge changes the valence the other way.</summary>
    public static bool IsEarly(int number) => number is 3 or 4 or 5 or 11 or 12 or 13 or 19 or 20;

    /// <summary>RDKit's proxy for electronegativity: more outer electrons, then the lighter element.</summary>
    public static bool MoreElectronegative(int a, int b)
    {
        int na = OuterElectrons(a), nb = OuterElectrons(b);
        return na > nb || (na == nb && a < b);
    }
}
