using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace EquiGrid.Training.Data;

/// <summary>Opens plain, gzip, xz or bzip2 files, recognised by their magic bytes (not by the file name).</summary>
public static class CompressedInput
{
    /// <summary>Opens a file for reading and wraps it in the matching decompressor.</summary>
    public static Stream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Wrap(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Wraps a seekable stream in the decompressor its first bytes announce (or returns it unchanged).</summary>
    public static Stream Wrap(Stream seekable)
    {
        Span<byte> magic = stackalloc byte[6];
        int n = seekable.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        seekable.Seek(-n, SeekOrigin.Current);
        magic = magic[..n];
        if (n >= 2 && magic[0] == 0x1F && magic[1] == 0x8B) return new GZipStream(seekable, CompressionMode.Decompress);
        if (n >= 6 && magic.SequenceEqual(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 })) return new BufferedStream(new XZStream(seekable), 1 << 16);
        if (n >= 3 && magic[0] == (byte)'B' && magic[1] == (byte)'Z' && magic[2] == (byte)'h')
            return new BufferedStream(BZip2Stream.Create(seekable, SharpCompress.Compressors.CompressionMode.Decompress, true), 1 << 16);
        return seekable;
    }

    /// <summary>True when the name says the (possibly compressed) file is a tar archive.</summary>
    public static bool IsTarName(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.EndsWith(".tar") || name.Contains(".tar.") || name.EndsWith(".tgz") || name.EndsWith(".tbz2") || name.EndsWith(".txz");
    }
}
