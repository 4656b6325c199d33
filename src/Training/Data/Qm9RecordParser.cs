using System.Globalization;

namespace EquiGrid.Training.Data;

/// <summary>One parsed QM9 record: the molecule, its 15 raw properties (or null) and, on request, its text lines.</summary>
internal sealed record Qm9Record(Molecule Molecule, double[]? Properties, int RecordIndex, IReadOnlyList<string>? Lines);

/// <summary>
/// Line-level parser of QM9's extended xyz: atom count; "gdb N" + 15 properties (or "gdb N" alone);
/// atom lines "El x y z [charge]"; then, in the original release, frequencies, SMILES and InChI lines.
/// Every problem becomes an <see cref="InvalidDataException"/> naming file, record, gdb id, line and field.
/// </summary>
internal sealed class Qm9RecordParser(TextReader reader, string sourceName, bool keepLines)
{
    /// <summary>Number of properties after "gdb N" in QM9's comment line.</summary>
    public const int PropertyCount = 15;
    /// <summary>Index of U0 among the 15 properties (it is the 12th field after "gdb" counting the id).</summary>
    public const int U0PropertyIndex = 10;

    private static readonly char[] Separators = [' ', '\t'];
    private int _lineNumber;
    private string? _pending;
    private int _recordIndex;

    /// <summary>Parses all records of the text.</summary>
    public IEnumerable<Qm9Record> Records()
    {
        while (true)
        {
            string? countLine = NextNonBlank();
            if (countLine == null) yield break;
            yield return ParseRecord(countLine);
            _recordIndex++;
        }
    }

    private Qm9Record ParseRecord(string countLine)
    {
        int countLineNumber = _lineNumber;
        var lines = keepLines ? new List<string> { countLine } : null;
        var countTokens = Split(countLine);
        if (countTokens.Length != 1 || !int.TryParse(countTokens[0], NumberStyles.None, CultureInfo.InvariantCulture, out int atomCount) || atomCount <= 0)
            throw Error(null, countLineNumber, "atom count", $"expected a positive atom count alone on the line, got '{Clip(countLine)}'");

        string header = NextLine() ?? throw Error(null, _lineNumber, "gdb line", "file ends after the atom count (truncated file)");
        lines?.Add(header);
        var headerTokens = Split(header);
        if (headerTokens.Length < 2 || headerTokens[0] != "gdb" || !int.TryParse(headerTokens[1], NumberStyles.None, CultureInfo.InvariantCulture, out int gdbId) || gdbId <= 0)
            throw Error(null, _lineNumber, "gdb line", $"expected 'gdb N' followed by {PropertyCount} properties, got '{Clip(header)}'");
        double[]? properties = null;
        if (headerTokens.Length != 2)
        {
            if (headerTokens.Length != 2 + PropertyCount)
                throw Error(gdbId, _lineNumber, "gdb line", $"expected 'gdb N' alone or followed by {PropertyCount} properties, got {headerTokens.Length - 2} properties");
            properties = new double[PropertyCount];
            for (int p = 0; p < PropertyCount; p++)
                properties[p] = ParseNumber(headerTokens[2 + p], gdbId, _lineNumber, $"property {p + 1} ({PropertyNames[p]})", allowNaN: false);
        }

        var z = new int[atomCount];
        var pos = new float[atomCount * 3];
        for (int a = 0; a < atomCount; a++)
        {
            string atomLine = NextLine() ?? throw Error(gdbId, _lineNumber, $"atom {a + 1}", $"file ends after {a} of {atomCount} atom lines (truncated file)");
            lines?.Add(atomLine);
            var t = Split(atomLine);
            if (t.Length == 1 && IsInteger(t[0]))
                throw Error(gdbId, _lineNumber, $"atom {a + 1}", $"record declares {atomCount} atoms but only {a} atom lines precede the next record (wrong atom count)");
            if (t.Length < 4 || t.Length > 5)
                throw Error(gdbId, _lineNumber, $"atom {a + 1}", $"expected 'El x y z [charge]', got '{Clip(atomLine)}' (wrong atom count or damaged line)");
            z[a] = Elements.AtomicNumber(t[0]);
            if (z[a] == 0) throw Error(gdbId, _lineNumber, $"atom {a + 1} element", $"unknown element '{Clip(t[0])}' (QM9 has only H, C, N, O, F)");
            for (int c = 0; c < 3; c++)
            {
                double v = ParseNumber(t[1 + c], gdbId, _lineNumber, $"atom {a + 1} {"xyz"[c]}", allowNaN: false);
                pos[a * 3 + c] = (float)v;
            }
            if (t.Length == 5) ParseNumber(t[4], gdbId, _lineNumber, $"atom {a + 1} Mulliken charge", allowNaN: false);
        }

        string? smiles = ReadExtraLines(gdbId, atomCount, lines);
        double u0 = properties?[U0PropertyIndex] ?? double.NaN;
        var molecule = new Molecule(gdbId, z, pos, u0, smiles);
        return new Qm9Record(molecule, properties, _recordIndex, lines);
    }

    // The original release appends harmonic frequencies, "GDB17-SMILES <tab> relaxed-SMILES" and two InChIs.
    // They end at the next atom-count line (or the end of the file). The relaxed SMILES (second) matches the
    // B3LYP geometry and carries its stereo marks, so it is preferred; a single SMILES is taken as is.
    private string? ReadExtraLines(int gdbId, int atomCount, List<string>? lines)
    {
        string? smiles = null;
        while (true)
        {
            string? line = NextLine();
            if (line == null) return smiles;
            var t = Split(line);
            if (t.Length == 0) continue;
            if (t.Length == 1 && IsInteger(t[0]))
            {
                _pending = line;
                _lineNumber--;
                return smiles;
            }
            if (t[0].StartsWith("InChI=", StringComparison.Ordinal)) continue;
            if (t.Length is 4 or 5 && Elements.AtomicNumber(t[0]) != 0 && t.Skip(1).All(IsNumber))
                throw Error(gdbId, _lineNumber, "atom count", $"record declares {atomCount} atoms but more atom lines follow (wrong atom count)");
            if (t.All(IsNumber)) continue; // harmonic frequencies
            if (smiles != null) throw Error(gdbId, _lineNumber, "SMILES", $"a second SMILES line '{Clip(line)}' (unexpected text after the atoms)");
            smiles = t.Length >= 2 ? t[1] : t[0];
            lines?.Add(line);
        }
    }

    /// <summary>QM9's property names in file order (units: GHz, D, a0^3, Ha, a0^2, Ha, cal/(mol K)).</summary>
    public static readonly string[] PropertyNames = ["A", "B", "C", "mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "U0", "U298", "H298", "G298", "Cv"];

    /// <summary>Parses a number, accepting Fortran/Mathematica-style exponents such as 1.2*^-6.</summary>
    public static bool TryParseNumber(string text, out double value)
    {
        var s = text.Contains("*^", StringComparison.Ordinal) ? text.Replace("*^", "E", StringComparison.Ordinal) : text;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private double ParseNumber(string text, int? gdbId, int line, string field, bool allowNaN)
    {
        if (!TryParseNumber(text, out double v))
            throw Error(gdbId, line, field, $"'{Clip(text)}' is not a number");
        if (!allowNaN && !double.IsFinite(v))
            throw Error(gdbId, line, field, $"value '{Clip(text)}' is not finite (NaN coordinates or properties are not allowed)");
        return v;
    }

    private static bool IsNumber(string s) => TryParseNumber(s, out _);

    private static bool IsInteger(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static string[] Split(string line) => line.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Clip(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private string? NextLine()
    {
        _lineNumber++;
        if (_pending != null)
        {
            var p = _pending;
            _pending = null;
            return p;
        }
        return reader.ReadLine();
    }

    private string? NextNonBlank()
    {
        string? line;
        while ((line = NextLine()) != null)
            if (!string.IsNullOrWhiteSpace(line)) return line;
        return null;
    }

    private InvalidDataException Error(int? gdbId, int line, string field, string problem) =>
        new($"{sourceName}: record {_recordIndex + 1}{(gdbId is { } id ? $" (gdb {id})" : "")}, line {line}, field {field}: {problem}");
}
