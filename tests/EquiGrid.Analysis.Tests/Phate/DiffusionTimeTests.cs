using EquiGrid.Analysis.Phate;

namespace EquiGrid.Analysis.Tests.Phate;

public class DiffusionTimeTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    [InlineData(60)]
    public void Knee_of_two_line_curve_is_found_at_the_bend(int bend)
    {
        var y = Enumerable.Range(0, 100).Select(i => i < bend ? 10.0 - 0.3 * i : 10.0 - 0.3 * bend - 0.01 * (i - bend)).ToArray();
        Assert.InRange(DiffusionTime.Knee(y), bend - 1, bend + 1);
    }

    [Fact]
    public void Entropy_decreases_with_t_and_starts_at_log_of_uniform_spectrum()
    {
        var eig = new[] { 1.0, 0.9, 0.5, 0.5, 0.2, 0.1 };
        var h = DiffusionTime.VonNeumannEntropy(eig, 30);
        for (int t = 1; t < h.Length; t++) Assert.True(h[t] <= h[t - 1] + 1e-12);
        var flat = DiffusionTime.VonNeumannEntropy(new[] { 1.0, 1.0, 1.0, 1.0 }, 5);
        Assert.All(flat, v => Assert.Equal(Math.Log(4), v, 6));
    }
}
