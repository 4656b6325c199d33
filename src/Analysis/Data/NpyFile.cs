using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Data;

/// <summary>
/// Reads and writes NumPy .npy files (format versions 1-3): little-endian float32 or float64, C order,
/// 1-D or 2-D. The format is a magic string, a Python-dict header and raw data, small enough to own instead of
/// depending on a package; errors name the file and what is wrong with it.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a 2-D array (a 1-D array of length n is read as n x 1).</summary>
    public static RowMatrix Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such .npy file", path);
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses .npy bytes; <paramref name="name"/> is used in error messages.</summary>
    public static RowMatrix Parse(byte[] bytes, string name)
    {
        if (bytes.Length == 0) throw new InvalidDataException($"{name}: file is empty, expected a .npy array");
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{name}: not a .npy file (missing the \\x93NUMPY magic)");
        int major = bytes[6];
        int headerLen, offset;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new InvalidDataException($"{name}: truncated .npy header");
            headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); offset = 12;
        }
        else throw new InvalidDataException($"{name}: unsupported .npy version {major}");
        if (offset + headerLen > bytes.Length) throw new InvalidDataException($"{name}: truncated .npy header");
        string header = Encoding.Latin1.GetString(bytes, offset, headerLen);
        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shape = ShapeRegex().Match(header);
        if (!descr.Success || !shape.Success) throw new InvalidDataException($"{name}: malformed .npy header '{header.Trim()}'");
        if (fortran.Success && fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"{name}: Fortran-order arrays are not supported; save with np.ascontiguousarray");
        int width = descr.Groups[1].Value switch
        {
            "<f4" => 4,
            "<f8" => 8,
            var d => throw new InvalidDataException($"{name}: dtype '{d}' is not supported; save as float32 ('<f4') or float64 ('<f8')"),
        };
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (dims.Length is 0 or > 2) throw new InvalidDataException($"{name}: expected a 1-D or 2-D array, got shape ({shape.Groups[1].Value})");
        int rows = checked((int)dims[0]);
        int cols = dims.Length == 2 ? checked((int)dims[1]) : 1;
        int start = offset + headerLen;
        long need = (long)rows * cols * width;
        if (bytes.Length - start < need)
            throw new InvalidDataException($"{name}: data truncated: shape ({rows}, {cols}) needs {need} bytes, file has {bytes.Length - start}");
        var data = new double[rows * cols];
        var src = bytes.AsSpan(start);
        if (width == 4)
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(src.Slice(i * 4));
        else
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadDoubleLittleEndian(src.Slice(i * 8));
        return new RowMatrix(rows, cols, data);
    }

    /// <summary>Writes a 2-D float32 array (format version 1.0).</summary>
    public static void WriteFloat32(string path, RowMatrix m)
    {
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({m.Rows}, {m.Cols}), }}";
        int total = 10 + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        using var fs = File.Create(path);
        fs.Write(Magic);
        fs.WriteByte(1);
        fs.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        fs.Write(len);
        fs.Write(Encoding.Latin1.GetBytes(header));
        var buf = new byte[m.Data.Length * 4];
        for (int i = 0; i < m.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(i * 4), (float)m.Data[i]);
        fs.Write(buf);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
