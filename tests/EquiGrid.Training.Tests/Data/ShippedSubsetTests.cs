using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class ShippedSubsetTests
{
    [Fact]
    public void LoadDefault_FindsTheShippedSubset_NextToTheTests()
    {
        var ds = Qm9Dataset.LoadDefault();
        Assert.StartsWith(AppContext.BaseDirectory, ds.Source);
        Assert.Equal(2000, ds.Count);
        Assert.All(ds.Molecules, m =>
        {
            Assert.False(double.IsNaN(m.U0Hartree));
            Assert.False(string.IsNullOrEmpty(m.Smiles));
            Assert.DoesNotContain(m.GdbId, UncharacterizedIds.Shipped);
        });
        var s = ds.Statistics();
        // A random 2,000 of the 45,909 (mean -76.35 eV, std 10.22 eV): the mean's standard error is ~0.23 eV.
        Assert.InRange(s.MeanAtomizationEv, -76.35 - 1.0, -76.35 + 1.0);
        Assert.InRange(s.StdAtomizationEv, 9.0, 11.5);
        Assert.Equal(new[] { "C", "H", "N", "O" }, s.ElementCounts.Keys.Order());
    }

    [Fact]
    public void SubsetBuilder_KeepsTheSmallestSeededKeys_Deterministically()
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-subset-").FullName;
        try
        {
            var src = Path.Combine(dir, "src.xyz");
            File.WriteAllText(src, Qm9TestRecords.MethaneOriginal + Qm9TestRecords.WaterCompact + Qm9TestRecords.AmmoniaGeometryOnly);
            var csv = Path.Combine(dir, "smiles.csv");
            File.WriteAllText(csv, "gdb_id,smiles,u0\n3,O,-76.404702\n2,N,-56.5\n");
            var a = Path.Combine(dir, "a.xyz.gz");
            var b = Path.Combine(dir, "b.xyz.gz");
            var r = Qm9SubsetBuilder.Build(src, csv, 1, 7, a);
            Qm9SubsetBuilder.Build(src, csv, 1, 7, b);
            // Ammonia has no U0 so it is never a candidate; methane keeps the SMILES of its own record.
            Assert.Equal(new Qm9SubsetBuilder.Result(2, 1, 0), r);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            int expected = Qm9SubsetBuilder.SelectionKey(7, 1) < Qm9SubsetBuilder.SelectionKey(7, 3) ? 1 : 3;
            var m = Assert.Single(Qm9Reader.Read(a));
            Assert.Equal(expected, m.GdbId);
            Assert.Equal(expected == 1 ? "C" : "O", m.Smiles);
            Assert.Throws<ArgumentException>(() => Qm9SubsetBuilder.Build(src, csv, 3, 7, a));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
