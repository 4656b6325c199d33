using System.Formats.Tar;
using System.Text;

namespace EquiGrid.Training.Data;

/// <summary>
/// Reads QM9 molecules from its extended xyz format (see docs/data.md): a single multi-frame file, a directory of
/// per-molecule files, or a tar archive of them; each may be plain, gzip, xz or bzip2 compressed.
/// </summary>
public static class Qm9Reader
{
    /// <summary>
    /// Reads every molecule under <paramref name="path"/> (file, directory or tarball), skipping
    /// <see cref="Qm9ReadOptions.ExcludedIds"/>. Order: as stored (directories in ordinal file-name order).
    /// </summary>
    /// <exception cref="InvalidDataException">Malformed input; the message names file, record, gdb id, line and field.</exception>
    public static List<Molecule> Read(string path, Qm9ReadOptions? options = null) =>
        ReadRecords(path, options, keepLines: false).Select(r => r.Molecule).ToList();

    /// <summary>Reads the molecules of extended-xyz text (one or more records); <paramref name="sourceName"/> is used in errors.</summary>
    public static List<Molecule> Read(TextReader text, string sourceName, Qm9ReadOptions? options = null) =>
        Filter(new Qm9RecordParser(text, sourceName, keepLines: false).Records(), options ?? Qm9ReadOptions.Default).Select(r => r.Molecule).ToList();

    internal static IEnumerable<Qm9Record> ReadRecords(string path, Qm9ReadOptions? options, bool keepLines)
    {
        options ??= Qm9ReadOptions.Default;
        IEnumerable<Qm9Record> records;
        if (Directory.Exists(path)) records = ReadDirectory(path, keepLines);
        else if (File.Exists(path)) records = CompressedInput.IsTarName(path) ? ReadTar(path, keepLines) : ReadFile(path, keepLines);
        else throw new FileNotFoundException($"QM9 data not found at '{path}': pass a QM9 xyz file, a directory of dsgdb9nsd_*.xyz files or the release tarball", path);
        return Filter(records, options);
    }

    private static IEnumerable<Qm9Record> Filter(IEnumerable<Qm9Record> records, Qm9ReadOptions options)
    {
        foreach (var r in records)
        {
            if (options.ExcludedIds?.Contains(r.Molecule.GdbId) == true) continue;
            if (options.RequireU0 && double.IsNaN(r.Molecule.U0Hartree)) continue;
            yield return r;
        }
    }

    private static IEnumerable<Qm9Record> ReadFile(string path, bool keepLines)
    {
        using var stream = CompressedInput.Open(path);
        using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        foreach (var r in Parse(text, path, keepLines)) yield return r;
    }

    private static IEnumerable<Qm9Record> ReadDirectory(string path, bool keepLines)
    {
        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => IsXyzName(f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"{path}: directory holds no *.xyz files (optionally .gz/.xz/.bz2): point --data at the QM9 files");
        foreach (var f in files)
            foreach (var r in ReadFile(f, keepLines)) yield return r;
    }

    private static IEnumerable<Qm9Record> ReadTar(string path, bool keepLines)
    {
        using var stream = CompressedInput.Open(path);
        using var tar = new TarReader(stream);
        int files = 0;
        TarEntry? entry;
        while ((entry = tar.GetNextEntry()) != null)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream == null || !IsXyzName(entry.Name)) continue;
            files++;
            using var text = new StreamReader(CompressedInput.Wrap(CopyToMemory(entry.DataStream)), Encoding.UTF8);
            foreach (var r in Parse(text, $"{path}!{entry.Name}", keepLines)) yield return r;
        }
        if (files == 0) throw new InvalidDataException($"{path}: tar archive holds no *.xyz files");
    }

    // Tar entry streams are not seekable; copying the (small, per-molecule) entry lets the magic-byte check rewind.
    private static MemoryStream CopyToMemory(Stream s)
    {
        var m = new MemoryStream();
        s.CopyTo(m);
        m.Position = 0;
        return m;
    }

    private static IEnumerable<Qm9Record> Parse(TextReader text, string sourceName, bool keepLines) =>
        new Qm9RecordParser(text, sourceName, keepLines).Records();

    private static bool IsXyzName(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        foreach (var ext in new[] { ".gz", ".xz", ".bz2" })
            if (name.EndsWith(ext)) name = name[..^ext.Length];
        return name.EndsWith(".xyz");
    }
}
