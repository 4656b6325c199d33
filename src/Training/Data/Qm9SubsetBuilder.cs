using System.IO.Compression;
using System.Text;

namespace EquiGrid.Training.Data;

/// <summary>
/// Builds the shipped subset reproducibly: from every molecule with U0 and a SMILES (uncharacterized ids excluded),
/// keep the <c>count</c> with the smallest SplitMix64(seed, gdb id) key, and write them in gdb-id order in QM9's
/// extended xyz, each record followed by one SMILES line (the original release's position for it).
/// The key depends only on (seed, id), never on a library shuffle, so the choice is stable across .NET versions.
/// </summary>
public static class Qm9SubsetBuilder
{
    /// <summary>Outcome of a build.</summary>
    /// <param name="Candidates">Molecules eligible (U0 and SMILES known).</param>
    /// <param name="Selected">Molecules written.</param>
    /// <param name="WithoutSmiles">Molecules with U0 skipped for lack of a SMILES.</param>
    public sealed record Result(int Candidates, int Selected, int WithoutSmiles);

    /// <summary>Selection key of a molecule: SplitMix64 finaliser of (seed, gdb id).</summary>
    public static ulong SelectionKey(int seed, int gdbId)
    {
        ulong x = ((ulong)(uint)seed << 32) | (uint)gdbId;
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>Reads <paramref name="from"/>, joins SMILES from <paramref name="smilesCsv"/> (optional), selects and writes.</summary>
    public static Result Build(string from, string? smilesCsv, int count, int seed, string output)
    {
        if (count <= 0) throw new ArgumentException($"--count must be > 0 (got {count})", nameof(count));
        var smiles = smilesCsv != null ? SmilesTable.Read(smilesCsv) : new Dictionary<int, string>();
        var candidates = new List<(Qm9Record Record, string Smiles)>();
        int withoutSmiles = 0;
        foreach (var r in Qm9Reader.ReadRecords(from, new Qm9ReadOptions { RequireU0 = true }, keepLines: true))
        {
            string? s = smiles.GetValueOrDefault(r.Molecule.GdbId) ?? r.Molecule.Smiles;
            if (s == null) { withoutSmiles++; continue; }
            candidates.Add((r, s));
        }
        if (candidates.Count < count)
            throw new ArgumentException($"{from}: only {candidates.Count} molecules with U0 and SMILES, fewer than --count {count}");
        var chosen = candidates.OrderBy(c => SelectionKey(seed, c.Record.Molecule.GdbId)).Take(count).OrderBy(c => c.Record.Molecule.GdbId).ToList();

        var dir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (dir != null) Directory.CreateDirectory(dir);
        using (var file = File.Create(output))
        using (Stream body = output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.SmallestSize) : file)
        using (var writer = new StreamWriter(body, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            foreach (var (record, s) in chosen)
            {
                // The record's own text (atom count, gdb line, atoms) verbatim, so no digit is lost to float parsing.
                int atomLines = 2 + record.Molecule.AtomCount;
                for (int i = 0; i < atomLines; i++) writer.WriteLine(record.Lines![i]);
                writer.WriteLine(s);
            }
        }
        return new Result(candidates.Count, chosen.Count, withoutSmiles);
    }
}
