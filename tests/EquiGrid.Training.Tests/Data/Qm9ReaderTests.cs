using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class Qm9ReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("equigrid-qm9-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<Molecule> ReadText(string text, Qm9ReadOptions? options = null) =>
        Qm9Reader.Read(new StringReader(text), "test.xyz", options);

    [Fact]
    public void OriginalLayout_TakesPropertiesChargesExponentsAndRelaxedSmiles()
    {
        var m = Assert.Single(ReadText(Qm9TestRecords.MethaneOriginal));
        Assert.Equal(1, m.GdbId);
        Assert.Equal(new[] { 6, 1, 1, 1, 1 }, m.AtomicNumbers);
        Assert.Equal(-40.47893, m.U0Hartree);
        Assert.Equal("C", m.Smiles);
        Assert.Equal(1.0858041578f, m.Positions[1]);
        Assert.Equal(0.9063972942f, m.Positions[14]);
    }

    [Fact]
    public void MethaneAtomizationEnergy_MatchesReferenceArithmetic()
    {
        var m = Assert.Single(ReadText(Qm9TestRecords.MethaneOriginal));
        // U0 - (C + 4 H) references, times 27.211386 eV/Ha, worked by hand: -0.631064 Ha = -17.17218 eV.
        double expected = (-40.47893 - (-37.846772 + 4 * -0.500273)) * 27.211386;
        Assert.Equal(-17.17218, expected, 1e-5);
        Assert.Equal(expected, m.AtomizationEnergyEv, 1e-6);
    }

    [Fact]
    public void MultiFrame_MixedLayouts_ReadInOrder_WithFortranExponent()
    {
        var ms = ReadText(Qm9TestRecords.MethaneOriginal + Qm9TestRecords.WaterCompact + Qm9TestRecords.AmmoniaGeometryOnly);
        Assert.Equal(new[] { 1, 3, 2 }, ms.Select(m => m.GdbId));
        Assert.Equal(0.0076015923f, ms[1].Positions[2]);
        Assert.Null(ms[1].Smiles);
        Assert.True(double.IsNaN(ms[2].U0Hartree));
        Assert.Equal(2, ReadText(Qm9TestRecords.WaterCompact + Qm9TestRecords.AmmoniaGeometryOnly + Qm9TestRecords.MethaneOriginal,
            new Qm9ReadOptions { RequireU0 = true }).Count);
    }

    [Fact]
    public void UncharacterizedIds_AreExcludedByDefault_AndKeptWithAll()
    {
        Assert.Equal(UncharacterizedIds.ExpectedCount, UncharacterizedIds.Shipped.Count);
        Assert.Contains(58, UncharacterizedIds.Shipped);
        Assert.DoesNotContain(1, UncharacterizedIds.Shipped);
        var renamed = Qm9TestRecords.WaterCompact.Replace("gdb 3\t", "gdb 58\t");
        Assert.Empty(ReadText(renamed));
        Assert.Single(ReadText(renamed, Qm9ReadOptions.All));
    }

    [Fact]
    public void UncharacterizedParser_ReadsTheOriginalTableLayout()
    {
        const string table = "List of molecules ...\n====\n#   Index   GDB17 SMILES   SMILES for B3LYP XYZ   SMILES Corina   D_IJ\n====\n" +
                             "      58    NC(=N)C#N    NC(=N)C#N    [NH]C(=[NH2])C#N    6.036217\n" +
                             "  133866    C1C2OC3CC4OC1C234    [CH]1O    C1[C@@H]2    33.58735\n====\n";
        Assert.Equal(new[] { 58, 133866 }, UncharacterizedIds.Parse(new StringReader(table)).Order());
    }

    [Fact]
    public void CompressedFiles_GzipXzBzip2_ReadAlike()
    {
        var xz = Path.Combine(AppContext.BaseDirectory, "Data", "Fixtures", "gdb1-3.xyz.xz");
        var fromXz = Qm9Reader.Read(xz);
        Assert.Equal(new[] { 1, 2, 3 }, fromXz.Select(m => m.GdbId));
        Assert.Equal(-76.404702, fromXz[2].U0Hartree);

        var text = Qm9TestRecords.MethaneOriginal + Qm9TestRecords.WaterCompact;
        var gz = Path.Combine(_dir, "two.xyz.gz");
        using (var f = File.Create(gz))
        using (var z = new GZipStream(f, CompressionLevel.Fastest))
            z.Write(Encoding.UTF8.GetBytes(text));
        var bz = Path.Combine(_dir, "two.xyz.bz2");
        using (var f = File.Create(bz))
        using (var z = SharpCompress.Compressors.BZip2.BZip2Stream.Create(f, SharpCompress.Compressors.CompressionMode.Compress, false))
            z.Write(Encoding.UTF8.GetBytes(text));
        Assert.Equal(new[] { 1, 3 }, Qm9Reader.Read(gz).Select(m => m.GdbId));
        Assert.Equal(new[] { 1, 3 }, Qm9Reader.Read(bz).Select(m => m.GdbId));
    }

    [Fact]
    public void DirectoryAndTarball_OfPerMoleculeFiles()
    {
        var dir = Path.Combine(_dir, "xyz");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "dsgdb9nsd_000003.xyz"), Qm9TestRecords.WaterCompact);
        File.WriteAllText(Path.Combine(dir, "dsgdb9nsd_000001.xyz"), Qm9TestRecords.MethaneOriginal);
        File.WriteAllText(Path.Combine(dir, "readme.txt"), "not a molecule");
        Assert.Equal(new[] { 1, 3 }, Qm9Reader.Read(dir).Select(m => m.GdbId));

        var tarGz = Path.Combine(_dir, "dsgdb9nsd.xyz.tar.gz");
        using (var f = File.Create(tarGz))
        using (var z = new GZipStream(f, CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(dir, z, includeBaseDirectory: false);
        var fromTar = Qm9Reader.Read(tarGz).OrderBy(m => m.GdbId).ToList();
        Assert.Equal(new[] { 1, 3 }, fromTar.Select(m => m.GdbId));
        Assert.Equal("C", fromTar[0].Smiles);

        var tarBz = Path.Combine(_dir, "dsgdb9nsd.xyz.tar.bz2");
        using (var f = File.Create(tarBz))
        using (var z = SharpCompress.Compressors.BZip2.BZip2Stream.Create(f, SharpCompress.Compressors.CompressionMode.Compress, false))
            TarFile.CreateFromDirectory(dir, z, includeBaseDirectory: false);
        Assert.Equal(2, Qm9Reader.Read(tarBz).Count);
    }

    [Fact]
    public void Dataset_SortsByGdbId_AndReportsStatistics()
    {
        var path = Path.Combine(_dir, "mixed.xyz");
        File.WriteAllText(path, Qm9TestRecords.WaterCompact + Qm9TestRecords.AmmoniaGeometryOnly + Qm9TestRecords.MethaneOriginal);
        var ds = Qm9Dataset.Load(path);
        Assert.Equal(new[] { 1, 2, 3 }, ds.Molecules.Select(m => m.GdbId));
        var s = ds.Statistics();
        Assert.Equal(3, s.Count);
        Assert.Equal(2, s.WithU0);
        Assert.Equal(12, s.Atoms);
        Assert.Equal(4 + 2 + 3, s.ElementCounts["H"]);
        Assert.Equal(1, s.ElementCounts["N"]);
        double e1 = ds.Molecules[0].AtomizationEnergyEv, e3 = ds.Molecules[2].AtomizationEnergyEv;
        Assert.Equal((e1 + e3) / 2, s.MeanAtomizationEv, 1e-9);
        Assert.Equal(Math.Abs(e1 - e3) / 2, s.StdAtomizationEv, 1e-9);
    }

    [Fact]
    public void MissingPath_IsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Qm9Reader.Read(Path.Combine(_dir, "nope.xyz")));
        Assert.Contains("nope.xyz", e.Message);
    }
}
