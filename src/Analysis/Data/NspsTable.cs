using System.Globalization;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// NSPS values joined onto an embedding set from a table of <c>KEY&lt;TAB&gt;NSPS</c> lines, KEY being a SMILES
/// (the output of <c>equigrid nsps</c>) or a molecule id. Lets the analysis use NSPS without computing it.
/// </summary>
public static class NspsTable
{
    /// <summary>Reads the table (a non-numeric second cell on the first line is a header).</summary>
    public static IReadOnlyDictionary<string, double> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such NSPS table", path);
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split('\t');
            if (cells.Length < 2) throw new InvalidDataException($"{path}: line {lineNo} has no tab; expected KEY<TAB>NSPS");
            if (!double.TryParse(cells[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                if (lineNo == 1) continue;
                throw new InvalidDataException($"{path}: line {lineNo}: NSPS '{cells[1].Trim()}' is not a number");
            }
            map[cells[0].Trim()] = v;
        }
        if (map.Count == 0) throw new InvalidDataException($"{path}: no NSPS rows (the file is empty or has only a header)");
        return map;
    }

    /// <summary>NSPS per molecule of the set, looked up by id first, then SMILES; throws naming the first molecule missing.</summary>
    public static double[] Join(EmbeddingSet set, IReadOnlyDictionary<string, double> table, string source)
    {
        var r = new double[set.Count];
        for (int i = 0; i < set.Count; i++)
        {
            if (table.TryGetValue(set.Ids[i], out var v) || table.TryGetValue(set.Smiles[i], out v)) r[i] = v;
            else throw new InvalidDataException($"{source}: no NSPS for molecule id {set.Ids[i]} (SMILES {set.Smiles[i]})");
        }
        return r;
    }
}
