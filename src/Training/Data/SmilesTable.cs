namespace EquiGrid.Training.Data;

/// <summary>
/// Reads a CSV with columns <c>gdb_id</c> and <c>smiles</c> (../shared/data/qm9/qm9_properties_union.csv.xz layout;
/// plain or compressed) into a gdb id -> SMILES map. Rows with an empty SMILES are skipped.
/// </summary>
public static class SmilesTable
{
    /// <summary>Loads the table.</summary>
    public static Dictionary<int, string> Read(string path)
    {
        using var stream = CompressedInput.Open(path);
        using var reader = new StreamReader(stream);
        var header = reader.ReadLine()?.Split(',') ?? throw new InvalidDataException($"{path}: empty file, expected a CSV header with gdb_id and smiles");
        int idCol = Array.IndexOf(header, "gdb_id"), smilesCol = Array.IndexOf(header, "smiles");
        if (idCol < 0 || smilesCol < 0)
            throw new InvalidDataException($"{path}: line 1: header needs columns 'gdb_id' and 'smiles' (got '{string.Join(',', header.Take(5))}...')");
        var map = new Dictionary<int, string>();
        string? line;
        int lineNumber = 1;
        while ((line = reader.ReadLine()) != null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length <= Math.Max(idCol, smilesCol) || !int.TryParse(cells[idCol], out int id))
                throw new InvalidDataException($"{path}: line {lineNumber}, field gdb_id: expected an integer id and {header.Length} columns");
            if (cells[smilesCol].Length > 0) map[id] = cells[smilesCol];
        }
        return map;
    }
}
