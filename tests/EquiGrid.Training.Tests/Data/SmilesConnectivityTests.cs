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

    // The shared parser folds explicit [H] atoms into their neighbour (as RDKit does), so the graph has heavy atoms
    // only; the one caller, BondAgreement, compares heavy-atom graphs, so nothing it sees changes.
    [Fact]
    public void ExplicitHydrogen_IsFoldedIntoItsNeighbour()
    {
        var g = SmilesConnectivity.Parse("[H]C([H])=O");
        Assert.Equal(new[] { 6, 8 }, g.AtomicNumbers);
        Assert.Equal(new[] { new Bond(0, 1) }, g.Edges);
        Assert.Equal(g.AtomicNumbers, g.HeavyAtoms().AtomicNumbers);
        Assert.Equal(g.Edges, g.HeavyAtoms().Edges);
        Assert.True(GraphIsomorphism.AreIsomorphic(g, SmilesConnectivity.Parse("C=O")));
    }

    // Connectivity is read from the syntax alone: a valence no element allows must not hide the graph.
    [Fact]
    public void ImpossibleValence_StillYieldsTheGraph()
    {
        var g = SmilesConnectivity.Parse("C(C)(C)(C)(C)C");
        Assert.Equal(6, g.VertexCount);
        Assert.Equal(5, g.Edges.Length);
        Assert.All(g.Edges, e => Assert.Equal(0, e.I));
    }

    [Theory]
    [InlineData("C1CC", "ring closure 1 is never closed at character 2")]
    [InlineData("CC)", "unmatched ')' at character 3")]
    [InlineData("C(C", "unclosed '('")]
    [InlineData("C[Xx]", "unsupported element")]
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
