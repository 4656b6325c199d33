namespace EquiGrid.Analysis.Numerics;

/// <summary>
/// A dense row-major matrix of doubles: the plain layout every algorithm here streams through
/// (rows are contiguous so distance and dot-product kernels vectorise over columns).
/// </summary>
public sealed class RowMatrix
{
    /// <summary>Creates a zero matrix.</summary>
    public RowMatrix(int rows, int cols) : this(rows, cols, new double[checked(rows * cols)]) { }

    /// <summary>Wraps existing row-major data (not copied).</summary>
    public RowMatrix(int rows, int cols, double[] data)
    {
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), "matrix dimensions must be >= 0");
        if (data.Length != rows * cols) throw new ArgumentException($"data has {data.Length} values, expected {rows} x {cols} = {rows * cols}", nameof(data));
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>Row-major values.</summary>
    public double[] Data { get; }

    /// <summary>Element access.</summary>
    public double this[int row, int col]
    {
        get => Data[row * Cols + col];
        set => Data[row * Cols + col] = value;
    }

    /// <summary>One row as a span.</summary>
    public Span<double> Row(int row) => Data.AsSpan(row * Cols, Cols);

    /// <summary>Copies columns [start, start+count) into a new matrix.</summary>
    public RowMatrix Columns(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Cols)
            throw new ArgumentOutOfRangeException(nameof(start), $"columns [{start}, {start + count}) are outside 0..{Cols}");
        var m = new RowMatrix(Rows, count);
        for (int i = 0; i < Rows; i++) Data.AsSpan(i * Cols + start, count).CopyTo(m.Row(i));
        return m;
    }

    /// <summary>Copies the given rows into a new matrix.</summary>
    public RowMatrix SelectRows(IReadOnlyList<int> rows)
    {
        var m = new RowMatrix(rows.Count, Cols);
        for (int i = 0; i < rows.Count; i++) Row(rows[i]).CopyTo(m.Row(i));
        return m;
    }

    /// <summary>A float copy of the data (the k-NN search runs in single precision).</summary>
    public float[] ToFloat()
    {
        var f = new float[Data.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)Data[i];
        return f;
    }

    /// <summary>Builds a matrix from jagged rows (all of equal length).</summary>
    public static RowMatrix FromRows(IReadOnlyList<double[]> rows)
    {
        int cols = rows.Count == 0 ? 0 : rows[0].Length;
        var m = new RowMatrix(rows.Count, cols);
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != cols) throw new ArgumentException($"row {i} has {rows[i].Length} values, expected {cols}", nameof(rows));
            rows[i].CopyTo(m.Row(i));
        }
        return m;
    }

    /// <summary>Column-standardised copy (zero mean, unit variance); constant columns are dropped since they carry no neighbourhood information.</summary>
    public RowMatrix Standardised()
    {
        var mean = new double[Cols];
        var sd = new double[Cols];
        for (int i = 0; i < Rows; i++)
        {
            var r = Row(i);
            for (int j = 0; j < Cols; j++) mean[j] += r[j];
        }
        for (int j = 0; j < Cols; j++) mean[j] /= Math.Max(1, Rows);
        for (int i = 0; i < Rows; i++)
        {
            var r = Row(i);
            for (int j = 0; j < Cols; j++) sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
        }
        var keep = new List<int>();
        double maxSd = 0;
        for (int j = 0; j < Cols; j++) { sd[j] = Math.Sqrt(sd[j] / Math.Max(1, Rows)); maxSd = Math.Max(maxSd, sd[j]); }
        for (int j = 0; j < Cols; j++) if (sd[j] > 1e-12 * Math.Max(1, maxSd) && sd[j] > 0) keep.Add(j);
        var m = new RowMatrix(Rows, keep.Count);
        for (int i = 0; i < Rows; i++)
        {
            var src = Row(i);
            var dst = m.Row(i);
            for (int c = 0; c < keep.Count; c++) dst[c] = (src[keep[c]] - mean[keep[c]]) / sd[keep[c]];
        }
        return m;
    }
}
