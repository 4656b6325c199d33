using EquiGrid.Analysis.Chemistry;

namespace EquiGrid.Analysis.Tests.Chemistry;

/// <summary>All 67 molecules of the RDKit reference fixture, term by term.</summary>
public class NspsReferenceTests
{
    public static TheoryData<string> FixtureSmiles()
    {
        var data = new TheoryData<string>();
        foreach (var m in NspsFixture.Load()) data.Add(m.Smiles);
        return data;
    }

    [Fact]
    public void Fixture_HasAll67Molecules() => Assert.Equal(67, NspsFixture.Load().Count);

    [Theory]
    [MemberData(nameof(FixtureSmiles))]
    public void Compute_MatchesRdkitReference_TermByTerm(string smiles)
    {
        var expected = NspsFixture.Load().Single(m => m.Smiles == smiles);
        var actual = Nsps.Compute(smiles);
        Assert.Equal(expected.Atoms.Count, actual.HeavyAtoms);
        for (int i = 0; i < expected.Atoms.Count; i++)
        {
            var e = expected.Atoms[i];
            var a = actual.Atoms[i];
            var label = $"{smiles} atom {i} ({expected.Elements[i]})";
            Assert.True(expected.Elements[i] == a.Element, $"{label}: element {a.Element}");
            Assert.True(e[1] == a.H, $"{label}: h expected {e[1]} got {a.H}");
            Assert.True(e[2] == a.S, $"{label}: s expected {e[2]} got {a.S}");
            Assert.True(e[3] == a.R, $"{label}: r expected {e[3]} got {a.R}");
            Assert.True(e[4] == a.N, $"{label}: n expected {e[4]} got {a.N}");
            Assert.True(e[5] == a.Product, $"{label}: product expected {e[5]} got {a.Product}");
        }
        Assert.Equal(expected.Sps, actual.Sps);
        Assert.Equal(expected.Nsps, actual.Nsps, 1e-6);
    }
}
