using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class SmilesConnectivityTests
{
    [Theory]
    [InlineData("C", 1, 0)]
    [InlineData("CCO", 3, 2)]
    [InlineData("C1CC1", 3, 3)]
    [InlineData("c1ccccc1", 6, 6)]
    [InlineData("CC(C)(C)O", 5, 4)]
    [InlineData("[NH3+]CC([O-])=O", 5, 4)]
    [InlineData("C%10CC%10", 3, 3)]
    [InlineData("C=1CC1", 3, 3)]
    [InlineData("N#C/C=C\\O", 5, 4)]
    [InlineData("O[C@@H]1[C@H]2CC12", 5, 6)]
    [InlineData("C.O", 2, 0)]
    public void CountsAtomsAndBonds(string smiles, int atoms, int bonds)
    {
        var g = SmilesConnectivity.Parse(smiles);
        Assert.Equal(atoms, g.VertexCount);
        Assert.Equal(bonds, g.Edges.Length);
    }

    [Fact]
    public void ExplicitHydrogen_IsDroppedFromTheHeavyGraph()
    {
        var g = SmilesConnectivity.Parse("[H]C([H])=O");
        Assert.Equal(new[] { 1, 6, 1, 8 }, g.AtomicNumbers);
        var heavy = g.HeavyAtoms();
        Assert.Equal(new[] { 6, 8 }, heavy.AtomicNumbers);
        Assert.Equal(new[] { new Bond(0, 1) }, heavy.Edges);
    }

    [Theory]
    [InlineData("C1CC", "ring bond 1 never closed")]
    [InlineData("CC)", "unbalanced")]
    [InlineData("C(C", "unclosed '('")]
    [InlineData("C[Xx]", "unknown element")]
    [InlineData("CQ", "unexpected character 'Q'")]
    public void MalformedSmiles_NamesTheProblem(string smiles, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SmilesConnectivity.Parse(smiles));
        Assert.Contains(expected, e.Message);
        Assert.Contains(smiles, e.Message);
    }

    [Fact]
    public void Isomorphism_AcceptsRenumbering_AndRejectsSameDegreeSequences()
    {
        Assert.True(GraphIsomorphism.AreIsomorphic(SmilesConnectivity.Parse("OCC(C)N"), SmilesConnectivity.Parse("NC(C)CO")));
        Assert.True(GraphIsomorphism.AreIsomorphic(SmilesConnectivity.Parse("C1CC2CC12"), SmilesConnectivity.Parse("C12CC1CC2")));
        // Same elements and every degree 2, but a hexagon is not two triangles.
        Assert.False(GraphIsomorphism.AreIsomorphic(SmilesConnectivity.Parse("C1CCCCC1"), SmilesConnectivity.Parse("C1CC1.C1CC1")));
        // Same skeleton, elements swapped between inequivalent positions.
        Assert.False(GraphIsomorphism.AreIsomorphic(SmilesConnectivity.Parse("CCO"), SmilesConnectivity.Parse("COC")));
        Assert.False(GraphIsomorphism.AreIsomorphic(SmilesConnectivity.Parse("CCC"), SmilesConnectivity.Parse("C1CC1")));
    }
}
