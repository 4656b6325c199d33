namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// A compressed-sparse-row matrix (the k-NN kernel has about 2k non-zeros per row, so n x n never needs storing).
/// Column indices within a row are ascending.
/// </summary>
public sealed class SparseRows
{
    /// <summary>Creates a CSR matrix from its arrays (not copied).</summary>
    public SparseRows(int rows, int cols, int[] rowStart, int[] colIndex, double[] values)
    {
        Rows = rows; Cols = cols; RowStart = rowStart; ColIndex = colIndex; Values = values;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }
    /// <summary>Number of columns.</summary>
    public int Cols { get; }
    /// <summary>Row i's entries are at [RowStart[i], RowStart[i+1]).</summary>
    public int[] RowStart { get; }
    /// <summary>Column of each stored entry.</summary>
    public int[] ColIndex { get; }
    /// <summary>Value of each stored entry.</summary>
    public double[] Values { get; }

    /// <summary>Builds from (row, col, value) triplets; duplicates are summed.</summary>
    public static SparseRows FromTriplets(int rows, int cols, IReadOnlyList<(int Row, int Col, double Value)> triplets)
    {
        var order = triplets.ToArray();
        Array.Sort(order, (p, q) => p.Row != q.Row ? p.Row.CompareTo(q.Row) : p.Col.CompareTo(q.Col));
        var start = new int[rows + 1];
        var col = new List<int>(order.Length);
        var val = new List<double>(order.Length);
        int t = 0;
        for (int r = 0; r < rows; r++)
        {
            start[r] = col.Count;
            while (t < order.Length && order[t].Row == r)
            {
                int c = order[t].Col;
                double v = 0;
                while (t < order.Length && order[t].Row == r && order[t].Col == c) v += order[t++].Value;
                col.Add(c);
                val.Add(v);
            }
        }
        start[rows] = col.Count;
        if (t != order.Length) throw new ArgumentException("triplet row index out of range", nameof(triplets));
        return new SparseRows(rows, cols, start, col.ToArray(), val.ToArray());
    }

    /// <summary>Sum of each row.</summary>
    public double[] RowSums()
    {
        var s = new double[Rows];
        for (int r = 0; r < Rows; r++)
            for (int p = RowStart[r]; p < RowStart[r + 1]; p++) s[r] += Values[p];
        return s;
    }

    /// <summary>The transpose.</summary>
    public SparseRows Transpose()
    {
        var trip = new List<(int, int, double)>(Values.Length);
        for (int r = 0; r < Rows; r++)
            for (int p = RowStart[r]; p < RowStart[r + 1]; p++) trip.Add((ColIndex[p], r, Values[p]));
        return FromTriplets(Cols, Rows, trip);
    }

    /// <summary>Y = this * X for a dense row-major X with <paramref name="width"/> columns.</summary>
    public double[] Multiply(double[] x, int width)
    {
        var y = new double[Rows * width];
        Parallel.For(0, Rows, r =>
        {
            var yr = y.AsSpan(r * width, width);
            for (int p = RowStart[r]; p < RowStart[r + 1]; p++)
            {
                double v = Values[p];
                var xr = x.AsSpan(ColIndex[p] * width, width);
                for (int c = 0; c < width; c++) yr[c] += v * xr[c];
            }
        });
        return y;
    }
}
