namespace EquiGrid.Training.Data;

/// <summary>Options for <see cref="Qm9Reader"/>.</summary>
public sealed record Qm9ReadOptions
{
    /// <summary>
    /// gdb ids to skip while reading. The default is the 3,054 "uncharacterized" molecules shipped with the repo
    /// (their B3LYP geometry no longer matches their SMILES, so the usual pipeline drops them).
    /// </summary>
    public IReadOnlySet<int>? ExcludedIds { get; init; } = UncharacterizedIds.Shipped;

    /// <summary>Only keep molecules that have a U0 value (drops coordinate-only records).</summary>
    public bool RequireU0 { get; init; }

    /// <summary>Keep every molecule: no exclusion list, U0 optional.</summary>
    public static Qm9ReadOptions All { get; } = new() { ExcludedIds = null };

    /// <summary>The default: uncharacterized ids excluded, U0 optional.</summary>
    public static Qm9ReadOptions Default { get; } = new();
}
