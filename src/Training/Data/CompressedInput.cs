using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace EquiGrid.Training.Data;

/// <summary>Opens plain, gzip, xz or bzip2 files, recognised by their magic bytes (not by the file name).</summary>
public static class CompressedInput
{
    /// <summary>
    /// Opens a file for reading and wraps it in the matching decompressor. A file named .gz/.xz/.bz2 whose bytes are not
    /// that format is refused (it would otherwise be read as text), and a decompression error while reading names the
    /// file: both as <see cref="InvalidDataException"/>.
    /// </summary>
    public static Stream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            var opened = Wrap(file);
            var named = NamedFormat(path);
            if (named is null) return opened;
            if (ReferenceEquals(opened, file))
                throw new InvalidDataException($"{path}: named {named} but its content is not {named}-compressed; decompress or rename it");
            return new DecompressionErrors(opened, path, named);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string? NamedFormat(string path)
    {
        var name = path.ToLowerInvariant();
        return name.EndsWith(".xz") || name.EndsWith(".txz") ? "xz"
            : name.EndsWith(".gz") || name.EndsWith(".tgz") ? "gzip"
            : name.EndsWith(".bz2") || name.EndsWith(".tbz2") ? "bzip2"
            : null;
    }

    /// <summary>Turns a decompressor's failure (e.g. "Data Error") into a one-line error that names the file.</summary>
    private sealed class DecompressionErrors(Stream inner, string path, string format) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            try { return inner.Read(buffer, offset, count); }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                throw new InvalidDataException($"{path}: corrupt {format} data ({e.Message}); the file is damaged or truncated, download it again", e);
            }
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
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
