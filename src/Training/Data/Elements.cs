namespace EquiGrid.Training.Data;

/// <summary>The chemical elements QM9 contains (H, C, N, O, F) and their symbols.</summary>
public static class Elements
{
    /// <summary>Atomic number of a QM9 element symbol, or 0 when the symbol is not one of H, C, N, O, F.</summary>
    public static int AtomicNumber(ReadOnlySpan<char> symbol) => symbol switch
    {
        "H" => 1,
        "C" => 6,
        "N" => 7,
        "O" => 8,
        "F" => 9,
        _ => 0,
    };

    /// <summary>Symbol of an atomic number (any element up to Ne, so messages stay readable).</summary>
    public static string Symbol(int atomicNumber) => atomicNumber switch
    {
        1 => "H", 2 => "He", 3 => "Li", 4 => "Be", 5 => "B", 6 => "C", 7 => "N", 8 => "O", 9 => "F", 10 => "Ne",
        _ => $"Z{atomicNumber}",
    };
}
