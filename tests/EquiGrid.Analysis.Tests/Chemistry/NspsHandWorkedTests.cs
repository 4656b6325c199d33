using EquiGrid.Analysis.Chemistry;

namespace EquiGrid.Analysis.Tests.Chemistry;

/// <summary>
/// Small molecules worked out by hand, one term at a time (h: sp 1, sp2 2, sp3 3; s: stereo 2; r: aromatic 1,
/// non-aromatic ring 2, chain 1; n: heavy neighbours squared). Each expectation was also checked against
/// RDKit 2022.09.3 with the reference script's calls.
/// </summary>
public class NspsHandWorkedTests
{
    private static string Terms(string smiles) =>
        string.Join(' ', Nsps.Compute(smiles).Atoms.Select(a => $"{a.H}{a.S}{a.R}:{a.N}"));

    [Theory]
    // sp: nitrile carbon and nitrogen; sp3 methyl.
    [InlineData("CC#N", "311:1 111:4 111:1", 8)]
    // Aromatic ring, written aromatic or kekulised: sp2, r = 1.
    [InlineData("Cc1ccccc1", "311:1 211:9 211:4 211:4 211:4 211:4 211:4", 61)]
    [InlineData("C1=CC=CC=C1", "211:4 211:4 211:4 211:4 211:4 211:4", 48)]
    // Non-aromatic rings: r = 2; cyclopentadiene has 4 pi electrons and stays non-aromatic.
    [InlineData("C1CCCCC1", "312:4 312:4 312:4 312:4 312:4 312:4", 144)]
    [InlineData("C1=CCCCC1", "212:4 212:4 312:4 312:4 312:4 312:4", 128)]
    [InlineData("C1=CC=CC1", "212:4 212:4 212:4 212:4 312:4", 88)]
    // Heteroaromatics: pyrrole N-H and furan O give two electrons and are sp2; 2-pyridone is aromatic in RDKit.
    [InlineData("c1cc[nH]c1", "211:4 211:4 211:4 211:4 211:4", 40)]
    [InlineData("c1ccoc1", "211:4 211:4 211:4 211:4 211:4", 40)]
    [InlineData("O=c1cccc[nH]1", "211:1 211:9 211:4 211:4 211:4 211:4 211:4", 60)]
    // Stereocentres count assigned or not; isopropanol's centre has two equal methyls and does not.
    [InlineData("C[C@H](O)CC", "311:1 321:9 311:1 311:4 311:1", 75)]
    [InlineData("CC(O)CC", "311:1 321:9 311:1 311:4 311:1", 75)]
    [InlineData("CC(C)O", "311:1 311:9 311:1 311:1", 36)]
    // Ring stereo: cis/trans 1,4-dimethylcyclohexane carbons are stereocentres although their ring neighbours tie.
    [InlineData("CC1CCC(C)CC1", "311:1 322:9 312:4 312:4 322:9 311:1 312:4 312:4", 318)]
    // A double bond with E/Z marks: both ends s = 2; unmarked: s = 1.
    [InlineData("C/C=C/C", "311:1 221:4 221:4 311:1", 38)]
    [InlineData("CC=CC", "311:1 211:4 211:4 311:1", 22)]
    // Charged atoms: nitro N+ and both O are sp2 (conjugated), ammonium N+ is sp3, carbanion C- with 3 H is sp3.
    [InlineData("C[N+](=O)[O-]", "311:1 211:9 211:1 211:1", 25)]
    [InlineData("CN(=O)=O", "311:1 211:9 211:1 211:1", 25)]
    [InlineData("C[NH3+]", "311:1 311:1", 6)]
    [InlineData("[CH2-]C", "311:1 311:1", 6)]
    public void Compute_GivesTheHandWorkedTerms(string smiles, string expectedTerms, int expectedSps)
    {
        var result = Nsps.Compute(smiles);
        Assert.Equal(expectedTerms, Terms(smiles));
        Assert.Equal(expectedSps, result.Sps);
        Assert.Equal((double)expectedSps / result.HeavyAtoms, result.Nsps, 12);
        Assert.All(result.Atoms, a => Assert.Equal(a.H * a.S * a.R * a.N, a.Product));
    }

    [Fact]
    public void Compute_IgnoresHydrogenAtomsWrittenExplicitly()
    {
        Assert.Equal(Nsps.Compute("CCO").Sps, Nsps.Compute("[H]OC([H])([H])C").Sps);
        Assert.Equal(3, Nsps.Compute("[H]OC([H])([H])C").HeavyAtoms);
    }

    [Theory]
    [InlineData("CCX", 3)]
    [InlineData("C1CC(", 5)]
    [InlineData("C%1C", 2)]
    [InlineData("C(=)C", 4)]
    [InlineData("CC1CC", 3)]
    [InlineData("C[C@H", 2)]
    public void Compute_RejectsBadSmilesNamingThePosition(string smiles, int position)
    {
        var e = Assert.Throws<FormatException>(() => Nsps.Compute(smiles));
        Assert.Contains($"at character {position}", e.Message);
    }

    [Theory]
    [InlineData("C(C)(C)(C)(C)C", "valence 5")]
    [InlineData("c1cccc1", "kekulise")]
    [InlineData("", "empty")]
    public void Compute_RejectsChemicallyImpossibleInput(string smiles, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Nsps.Compute(smiles));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void TryCompute_ReportsInsteadOfThrowing()
    {
        Assert.False(Nsps.TryCompute("C1CC", out var bad, out var error));
        Assert.Null(bad);
        Assert.Contains("never closed", error);
        Assert.True(Nsps.TryCompute("CCO", out var good, out var none));
        Assert.Null(none);
        Assert.Equal(6.0, good.Nsps, 12);
    }
}
