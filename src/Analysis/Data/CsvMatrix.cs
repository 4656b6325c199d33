using System.Globalization;
using System.Text;
using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// Numeric CSV in and out for the <c>phate</c> verb: one row per point, comma-separated, an optional header
/// (a first line that does not parse as numbers). Errors name the file, line and column.
/// </summary>
public static class CsvMatrix
{
    /// <summary>Reads a numeric matrix.</summary>
    public static RowMatrix Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        var rows = new List<double[]>();
        int lineNo = 0, width = -1;
        bool first = true;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (first)
            {
                first = false;
                if (!double.TryParse(cells[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    width = cells.Length; // a header: it fixes the expected width
                    continue;
                }
            }
            if (width < 0) width = cells.Length;
            if (cells.Length != width)
                throw new InvalidDataException($"{path}: line {lineNo} has {cells.Length} columns, expected {width} (ragged rows)");
            var v = new double[width];
            for (int c = 0; c < width; c++)
                if (!double.TryParse(cells[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out v[c]) || !double.IsFinite(v[c]))
                    throw new InvalidDataException($"{path}: line {lineNo}, column {c + 1}: '{cells[c].Trim()}' is not a finite number");
            rows.Add(v);
        }
        if (rows.Count == 0) throw new InvalidDataException($"{path}: no data rows (the file is empty or has only a header)");
        return RowMatrix.FromRows(rows);
    }

    /// <summary>Writes a matrix with a header line.</summary>
    public static void Write(string path, RowMatrix m, IReadOnlyList<string> header)
    {
        if (header.Count != m.Cols) throw new ArgumentException($"{header.Count} header names for {m.Cols} columns");
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", header));
        for (int i = 0; i < m.Rows; i++)
        {
            var r = m.Row(i);
            for (int c = 0; c < m.Cols; c++)
            {
                if (c > 0) sb.Append(',');
                sb.Append(r[c].ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
    }
}
