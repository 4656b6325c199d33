using EquiGrid.Analysis.Numerics;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Utilisation;

/// <summary>
/// All columns of an embedding that belong to irreps of one order l (usually one "h x l" block; several when
/// the layout repeats an order). The unit every utilisation metric is computed for.
/// </summary>
/// <param name="L">The order.</param>
/// <param name="Label">e3nn form of its irreps, e.g. "16x3o".</param>
/// <param name="Columns">Column indices in the full embedding.</param>
/// <param name="Channels">Column groups of one multiplicity channel each (2l+1 columns), for rotation invariants.</param>
public sealed record IrrepBlock(int L, string Label, int[] Columns, IReadOnlyList<int[]> Channels)
{
    /// <summary>Width of the block.</summary>
    public int Dim => Columns.Length;

    /// <summary>Splits an irreps layout into one block per order, ascending l.</summary>
    public static IReadOnlyList<IrrepBlock> Split(Irreps irreps)
    {
        var byL = new SortedDictionary<int, (List<string> Labels, List<int> Cols, List<int[]> Channels)>();
        for (int b = 0; b < irreps.Count; b++)
        {
            var mi = irreps[b];
            if (mi.Mul == 0) continue;
            if (!byL.TryGetValue(mi.Irrep.L, out var acc)) byL[mi.Irrep.L] = acc = (new(), new(), new());
            var (start, length) = irreps.Slice(b);
            acc.Labels.Add(mi.ToString());
            acc.Cols.AddRange(Enumerable.Range(start, length));
            int d = mi.Irrep.Dim;
            for (int u = 0; u < mi.Mul; u++) acc.Channels.Add(Enumerable.Range(start + u * d, d).ToArray());
        }
        return byL.Select(kv => new IrrepBlock(kv.Key, string.Join("+", kv.Value.Labels), kv.Value.Cols.ToArray(), kv.Value.Channels)).ToList();
    }

    /// <summary>The block's columns as a matrix.</summary>
    public RowMatrix Extract(RowMatrix embedding)
    {
        var m = new RowMatrix(embedding.Rows, Dim);
        for (int i = 0; i < embedding.Rows; i++)
        {
            var src = embedding.Row(i);
            var dst = m.Row(i);
            for (int c = 0; c < Columns.Length; c++) dst[c] = src[Columns[c]];
        }
        return m;
    }

    /// <summary>
    /// Rotation invariants of the block: the norm of every multiplicity channel (for l = 0 the signed scalar itself,
    /// which is already invariant). Molecules sit in arbitrary orientations, so for l &gt; 0 only these can carry a
    /// scalar property such as NSPS consistently.
    /// </summary>
    public RowMatrix Invariants(RowMatrix embedding)
    {
        var m = new RowMatrix(embedding.Rows, Channels.Count);
        for (int i = 0; i < embedding.Rows; i++)
        {
            var src = embedding.Row(i);
            for (int u = 0; u < Channels.Count; u++)
            {
                var ch = Channels[u];
                if (L == 0) { m[i, u] = src[ch[0]]; continue; }
                double s = 0;
                foreach (var c in ch) s += src[c] * src[c];
                m[i, u] = Math.Sqrt(s);
            }
        }
        return m;
    }
}
