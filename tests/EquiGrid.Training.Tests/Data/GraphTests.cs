using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class GraphTests
{
    private static readonly Lazy<Qm9Dataset> Shipped = new(Qm9Dataset.LoadDefault);

    private static Molecule Methane() => Assert.Single(Qm9Reader.Read(new StringReader(Qm9TestRecords.MethaneOriginal), "methane"));

    [Fact]
    public void Methane_HasFourCarbonHydrogenBonds()
    {
        var bonds = BondPerception.Perceive(Methane());
        Assert.Equal(new[] { new Bond(0, 1), new Bond(0, 2), new Bond(0, 3), new Bond(0, 4) }, bonds);
    }

    [Fact]
    public void Hydrogen_KeepsOnlyItsNearestPartner_EvenWithAWideTolerance()
    {
        // With 1.5 A of tolerance every H-H pair of methane (1.78 A) is a candidate; H must still bond only to C.
        var bonds = BondPerception.Perceive(Methane(), tolerance: 1.5);
        Assert.Equal(4, bonds.Count);
        Assert.All(bonds, b => Assert.Equal(0, b.I));
    }

    [Fact]
    public void ShippedSubset_BondsAgreeWithSmiles_AtLeast99Percent()
    {
        var summary = BondAgreement.Check(Shipped.Value.Molecules);
        Assert.Equal(2000, summary.Checked);
        Assert.True(summary.Rate >= 0.99, $"agreement {summary.Rate:P2}; mismatches {string.Join(' ', summary.Mismatches.Take(20))}");
    }

    [Fact]
    public void BondGraph_IsSymmetric_Sorted_AndTwiceTheBonds()
    {
        foreach (var m in Shipped.Value.Molecules.Take(200))
        {
            var g = GraphBuilder.BondGraph(m);
            Assert.Equal(2 * BondPerception.Perceive(m).Count, g.EdgeCount);
            AssertSymmetricSortedNoLoops(g);
            // Every heavy atom has a bond, every H exactly one (QM9 molecules are connected).
            var degree = new int[m.AtomCount];
            foreach (var s in g.Source) degree[s]++;
            for (int a = 0; a < m.AtomCount; a++)
                if (m.AtomicNumbers[a] == 1) Assert.Equal(1, degree[a]);
                else Assert.True(degree[a] >= 1);
        }
    }

    [Fact]
    public void RadiusGraph_IsSymmetric_RespectsCutoff_AndIsDeterministic()
    {
        foreach (var m in Shipped.Value.Molecules.Take(100))
        {
            var g = GraphBuilder.RadiusGraph(m, 3.0);
            AssertSymmetricSortedNoLoops(g);
            int expected = 0;
            for (int i = 0; i < m.AtomCount; i++)
                for (int j = 0; j < m.AtomCount; j++)
                    if (i != j && Distance(m, i, j) < 3.0) expected++;
            Assert.Equal(expected, g.EdgeCount);
            for (int e = 0; e < g.EdgeCount; e++) Assert.True(Distance(m, g.Source[e], g.Target[e]) < 3.0);
            Assert.Equal(g, GraphBuilder.RadiusGraph(m, 3.0), new GraphComparer());
            // A cutoff wider than any QM9 molecule gives the complete graph.
            Assert.Equal(m.AtomCount * (m.AtomCount - 1), GraphBuilder.RadiusGraph(m, 100.0).EdgeCount);
        }
    }

    private static double Distance(Molecule m, int i, int j)
    {
        double s = 0;
        for (int c = 0; c < 3; c++)
        {
            double d = m.Positions[3 * i + c] - m.Positions[3 * j + c];
            s += d * d;
        }
        return Math.Sqrt(s);
    }

    private static void AssertSymmetricSortedNoLoops(MoleculeGraph g)
    {
        var set = new HashSet<(int, int)>();
        for (int e = 0; e < g.EdgeCount; e++)
        {
            Assert.NotEqual(g.Source[e], g.Target[e]);
            Assert.True(set.Add((g.Source[e], g.Target[e])), "duplicate edge");
            if (e > 0) Assert.True((g.Source[e - 1], g.Target[e - 1]).CompareTo((g.Source[e], g.Target[e])) < 0, "edges not sorted");
        }
        foreach (var (s, t) in set) Assert.Contains((t, s), set);
    }

    private sealed class GraphComparer : IEqualityComparer<MoleculeGraph>
    {
        public bool Equals(MoleculeGraph? x, MoleculeGraph? y) => x!.Source.SequenceEqual(y!.Source) && x.Target.SequenceEqual(y.Target);
        public int GetHashCode(MoleculeGraph obj) => obj.EdgeCount;
    }
}
