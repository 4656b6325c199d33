using System.Globalization;
using EquiGrid.Client.Cli;

namespace EquiGrid.Client.Commands.Kernels;

/// <summary>Reads x,y,z rows from CSV: comma separated, an optional header line, blank lines ignored.</summary>
internal static class VectorCsv
{
    public static double[] ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file '{path}' not found: give a CSV of x,y,z rows", path);
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Returns the vectors interleaved (x0, y0, z0, x1, ...). Errors name the source and the 1-based line.</summary>
    public static double[] Read(TextReader reader, string sourceName)
    {
        var values = new List<double>();
        int lineNumber = 0;
        bool firstContentLine = true;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(',');
            bool numeric = fields.Length == 3 && fields.All(f => TryParse(f, out _));
            if (firstContentLine && !numeric && !TryParse(fields[0], out _))
            {
                // A first line whose first field is not a number is a header (e.g. "x,y,z").
                firstContentLine = false;
                continue;
            }
            firstContentLine = false;
            if (!numeric)
                throw new UserInputException(
                    $"{sourceName}:{lineNumber}: expected three comma-separated numbers x,y,z, got '{Shorten(line)}'");
            foreach (var f in fields)
            {
                TryParse(f, out double v);
                values.Add(v);
            }
        }
        return values.ToArray();
    }

    private static bool TryParse(string field, out double value) =>
        double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..57] + "...";
}
