using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class Qm9ReaderErrorTests
{
    private static string ErrorOf(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => Qm9Reader.Read(new StringReader(text), "bad.xyz"));
        Assert.StartsWith("bad.xyz: record ", e.Message);
        return e.Message;
    }

    private const string Good = Qm9TestRecords.MethaneOriginal; // record 1, lines 1-10

    [Fact]
    public void TruncatedFile_NamesRecordGdbAndAtom()
    {
        var cut = Qm9TestRecords.WaterCompact[..Qm9TestRecords.WaterCompact.LastIndexOf("H\t", StringComparison.Ordinal)];
        var m = ErrorOf(Good + cut);
        Assert.Contains("record 2 (gdb 3)", m);
        Assert.Contains("line 15, field atom 3", m);
        Assert.Contains("truncated", m);
    }

    [Fact]
    public void TooFewAtomLines_IsWrongAtomCount()
    {
        var m = ErrorOf(Qm9TestRecords.WaterCompact.Replace("3\ngdb 3", "4\ngdb 3") + Qm9TestRecords.AmmoniaGeometryOnly);
        Assert.Contains("record 1 (gdb 3), line 6, field atom 4", m);
        Assert.Contains("wrong atom count", m);
    }

    [Fact]
    public void TooManyAtomLines_IsWrongAtomCount()
    {
        var m = ErrorOf(Qm9TestRecords.WaterCompact.Replace("3\ngdb 3", "2\ngdb 3"));
        Assert.Contains("record 1 (gdb 3), line 5, field atom count", m);
        Assert.Contains("wrong atom count", m);
    }

    [Fact]
    public void UnknownElement_NamesSymbol()
    {
        var m = ErrorOf(Good + Qm9TestRecords.WaterCompact.Replace("O\t-0.03", "Xe\t-0.03"));
        Assert.Contains("record 2 (gdb 3), line 13, field atom 1 element", m);
        Assert.Contains("'Xe'", m);
    }

    [Fact]
    public void NaNCoordinate_IsRejected()
    {
        var m = ErrorOf(Qm9TestRecords.WaterCompact.Replace("0.0205721989", "NaN"));
        Assert.Contains("record 1 (gdb 3), line 4, field atom 2 y", m);
        Assert.Contains("not finite", m);
    }

    [Fact]
    public void UnparseableProperty_NamesProperty()
    {
        var m = ErrorOf(Qm9TestRecords.WaterCompact.Replace("-76.404702", "-76.4o4702"));
        Assert.Contains("record 1 (gdb 3), line 2, field property 11 (U0)", m);
        Assert.Contains("'-76.4o4702' is not a number", m);
    }

    [Fact]
    public void WrongPropertyCount_And_BadCountLine()
    {
        Assert.Contains("got 14 properties", ErrorOf(Qm9TestRecords.WaterCompact.Replace("\t6.002\t", "\t")));
        Assert.Contains("field atom count", ErrorOf("three\ngdb 3\n"));
        Assert.Contains("field gdb line", ErrorOf("3\nmolecule 3\n"));
    }
}
