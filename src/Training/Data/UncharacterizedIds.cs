using System.Reflection;

namespace EquiGrid.Training.Data;

/// <summary>
/// The QM9 "uncharacterized" molecules (3,054 gdb ids that failed the geometry consistency check). The list is
/// embedded in the assembly (from data/qm9-subset/uncharacterized_ids.txt) so exclusion never depends on a file.
/// </summary>
public static class UncharacterizedIds
{
    /// <summary>Number of ids in the original release's list.</summary>
    public const int ExpectedCount = 3054;

    private static readonly Lazy<IReadOnlySet<int>> ShippedIds = new(LoadEmbedded);

    /// <summary>The shipped list (3,054 ids).</summary>
    public static IReadOnlySet<int> Shipped => ShippedIds.Value;

    /// <summary>
    /// Parses either the original release's uncharacterized.txt (a table whose data rows start with the index, then
    /// SMILES columns and D_IJ) or a plain list of ids, one per line; '#' comments, rules and headers are skipped.
    /// </summary>
    public static IReadOnlySet<int> Parse(TextReader reader)
    {
        var ids = new HashSet<int>();
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            var span = line.AsSpan().Trim();
            if (span.IsEmpty || span[0] == '#') continue;
            int end = span.IndexOfAny(' ', '\t');
            var first = end < 0 ? span : span[..end];
            if (int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) && id > 0)
                ids.Add(id);
        }
        return ids;
    }

    private static IReadOnlySet<int> LoadEmbedded()
    {
        const string name = "EquiGrid.Training.Data.uncharacterized_ids.txt";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        var ids = Parse(reader);
        if (ids.Count != ExpectedCount)
            throw new InvalidDataException($"embedded uncharacterized list has {ids.Count} ids, expected {ExpectedCount}");
        return ids;
    }
}
