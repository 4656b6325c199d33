using EquiGrid.Kernels;

namespace EquiGrid.Kernels.Tests;

public class IrrepsTests
{
    [Theory]
    [InlineData("16x0e+16x1o+16x2e", 16 + 48 + 80)]
    [InlineData("0e", 1)]
    [InlineData("3x10e", 63)]
    [InlineData("", 0)]
    public void ParsesAndRoundTrips(string text, int dim)
    {
        var irreps = Irreps.Parse(text);
        Assert.Equal(dim, irreps.Dim);
        var formatted = irreps.ToString();
        Assert.Equal(irreps, Irreps.Parse(formatted));
    }

    [Fact]
    public void SlicesAreContiguousBlocks()
    {
        var irreps = Irreps.Parse("16x0e+16x1o+16x2e");
        Assert.Equal((0, 16), irreps.Slice(0));
        Assert.Equal((16, 48), irreps.Slice(1));
        Assert.Equal((64, 80), irreps.Slice(2));
    }

    [Theory]
    [InlineData("16x1")]
    [InlineData("ax1o")]
    [InlineData("1o++2e")]
    [InlineData("-1o")]
    public void RejectsMalformedText(string text) => Assert.Throws<FormatException>(() => Irreps.Parse(text));

    [Fact]
    public void HiddenIrrepsFollowSphericalHarmonicParity()
    {
        Assert.Equal("16x0e+16x3o+16x4e+16x5o+16x6e", Irreps.Hidden(LSet.Of(0, 3, 4, 5, 6), 16).ToString());
        Assert.Equal("1x0e+1x1o+1x2e", Irreps.SphericalHarmonics(LSet.Of(2, 0, 1)).ToString());
    }
}

public class LSetTests
{
    [Fact]
    public void SortsAndKeepsNonContiguousSets()
    {
        var l = LSet.Parse("[0,6,3,4,5]");
        Assert.Equal(new[] { 0, 3, 4, 5, 6 }, l.Orders);
        Assert.Equal("[0,3,4,5,6]", l.ToString());
        Assert.Equal(18, l.Cost);
        Assert.Equal(1 + 7 + 9 + 11 + 13, l.Dim);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0,1,1", "twice")]
    [InlineData("0,-1", "negative")]
    [InlineData("0,11", "> 10")]
    [InlineData("0,x", "not an integer")]
    public void RejectsBadSetsWithClearMessages(string text, string fragment)
    {
        var e = Assert.ThrowsAny<Exception>(() => LSet.Parse(text));
        Assert.Contains(fragment, e.Message);
    }
}
