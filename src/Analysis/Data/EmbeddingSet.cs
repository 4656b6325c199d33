using EquiGrid.Analysis.Numerics;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// Per-molecule graph embeddings of one trained trial with their irrep layout and molecule metadata.
/// Row i of <see cref="Matrix"/> is molecule <see cref="Ids"/>[i]; columns follow <see cref="Irreps"/>
/// (e3nn layout: each block multiplicity-major, [mul][2l+1]).
/// </summary>
public sealed record EmbeddingSet
{
    /// <summary>[n, Irreps.Dim] embeddings.</summary>
    public required RowMatrix Matrix { get; init; }
    /// <summary>Irrep layout of the columns.</summary>
    public required Irreps Irreps { get; init; }
    /// <summary>Molecule ids (QM9 index as text).</summary>
    public required IReadOnlyList<string> Ids { get; init; }
    /// <summary>SMILES of each molecule.</summary>
    public required IReadOnlyList<string> Smiles { get; init; }
    /// <summary>Target U0 atomization energy in eV.</summary>
    public required IReadOnlyList<double> Targets { get; init; }
    /// <summary>Model predictions in eV, when exported.</summary>
    public IReadOnlyList<double>? Predictions { get; init; }
    /// <summary>NSPS of each molecule, when known (exported or joined from an NSPS table).</summary>
    public IReadOnlyList<double>? Nsps { get; init; }

    /// <summary>Number of molecules.</summary>
    public int Count => Matrix.Rows;

    /// <summary>Checks every per-molecule list has one entry per row and the irreps match the width.</summary>
    public void Validate(string source)
    {
        if (Matrix.Rows == 0) throw new InvalidDataException($"{source}: the embedding matrix has no rows");
        if (Irreps.Dim != Matrix.Cols)
            throw new InvalidDataException($"{source}: irreps '{Irreps}' have dimension {Irreps.Dim} but the embedding matrix has {Matrix.Cols} columns");
        void Check<T>(IReadOnlyList<T>? list, string name)
        {
            if (list is not null && list.Count != Matrix.Rows)
                throw new InvalidDataException($"{source}: '{name}' has {list.Count} entries but the embedding matrix has {Matrix.Rows} rows");
        }
        Check(Ids, "ids");
        Check(Smiles, "smiles");
        Check(Targets, "targets_ev");
        Check(Predictions, "predictions_ev");
        Check(Nsps, "nsps");
    }

    /// <summary>A copy with NSPS values attached.</summary>
    public EmbeddingSet WithNsps(IReadOnlyList<double> nsps)
    {
        var e = this with { Nsps = nsps };
        e.Validate("nsps");
        return e;
    }
}
