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
    /// <summary>NSPS of each molecule, when known (exported or joined from an NSPS table); NaN = not scorable (no SMILES).</summary>
    public IReadOnlyList<double>? Nsps { get; init; }
    /// <summary>Split of each molecule ("train", "validation", "test"), when the export recorded it.</summary>
    public IReadOnlyList<string>? Split { get; init; }

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
        Check(Split, "split");
    }

    /// <summary>The same molecules with another matrix of the same row count (another layer or epoch of the same export).</summary>
    public EmbeddingSet WithMatrix(RowMatrix matrix, string source)
    {
        if (matrix.Rows != Matrix.Rows)
            throw new InvalidDataException($"{source}: {matrix.Rows} rows but the export's metadata lists {Matrix.Rows} molecules");
        var e = this with { Matrix = matrix };
        e.Validate(source);
        return e;
    }

    /// <summary>The molecules at <paramref name="rows"/> (in that order), with every per-molecule list cut alike.</summary>
    public EmbeddingSet SelectRows(IReadOnlyList<int> rows)
    {
        IReadOnlyList<T> Pick<T>(IReadOnlyList<T> list) => rows.Select(i => list[i]).ToArray();
        return this with
        {
            Matrix = Matrix.SelectRows(rows),
            Ids = Pick(Ids),
            Smiles = Pick(Smiles),
            Targets = Pick(Targets),
            Predictions = Predictions is null ? null : Pick(Predictions),
            Nsps = Nsps is null ? null : Pick(Nsps),
            Split = Split is null ? null : Pick(Split),
        };
    }

    /// <summary>A copy with NSPS values attached.</summary>
    public EmbeddingSet WithNsps(IReadOnlyList<double> nsps)
    {
        var e = this with { Nsps = nsps };
        e.Validate("nsps");
        return e;
    }
}

/// <summary>The dataset splits the analysis can be restricted to (<c>--split</c>).</summary>
public static class AnalysisSplit
{
    /// <summary>The reference study's figures use the test split; so does the analysis by default.</summary>
    public const string Default = "test";
    /// <summary>Every molecule of the export.</summary>
    public const string All = "all";
    /// <summary>Accepted names, as the CLI lists them.</summary>
    public static readonly string[] Names = ["test", "val", "train", "all"];

    /// <summary>The label used in exports ("val" is written "validation"); throws naming the accepted values.</summary>
    public static string Normalise(string split) => split.ToLowerInvariant() switch
    {
        "test" => "test",
        "val" or "validation" => "validation",
        "train" => "train",
        "all" => All,
        _ => throw new ArgumentException($"--split '{split}': use test, val, train or all"),
    };
}
