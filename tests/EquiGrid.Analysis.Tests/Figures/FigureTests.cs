using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Figures;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Tests.Figures;

public class FigureTests
{
    [Theory]
    [InlineData("0,1,2")]
    [InlineData("0,3,4,5,6")]
    [InlineData("0,1,2,3,4")]
    public void Diagram_paths_equal_the_kernel_fully_connected_instructions(string lsetText)
    {
        var lset = LSet.Parse(lsetText);
        var paths = TensorProductPaths.For(lset);
        var hidden = Irreps.Hidden(lset, 2);
        var tp = TensorProduct.FullyConnected(hidden, Irreps.SphericalHarmonics(lset), hidden);
        var fromKernel = tp.Instructions.Select(i => (hidden[i.In1].Irrep.L, lset.Orders[i.In2], hidden[i.Out].Irrep.L)).OrderBy(t => t).ToList();
        Assert.Equal(fromKernel, paths.Select(p => (p.Input.L, p.Harmonic.L, p.Output.L)).OrderBy(t => t).ToList());
        Assert.Equal(tp.WeightNumel, paths.Count * 2 * 2);
    }

    [Fact]
    public void Paths_obey_triangle_and_parity_rules()
    {
        var paths = TensorProductPaths.For(LSet.Of(0, 3, 4));
        Assert.Contains(paths, p => (p.Input.L, p.Harmonic.L, p.Output.L) == (3, 3, 4));
        Assert.DoesNotContain(paths, p => (p.Input.L, p.Harmonic.L, p.Output.L) == (3, 4, 0)); // triangle
        Assert.DoesNotContain(paths, p => (p.Input.L, p.Harmonic.L, p.Output.L) == (3, 4, 4)); // parity: odd x even -> odd
        Assert.All(paths, p => Assert.Equal(p.Input.Parity * p.Harmonic.Parity, p.Output.Parity));
    }

    [Fact]
    public void Corner_molecules_are_the_points_nearest_each_corner()
    {
        var set = SyntheticEmbeddings.Create(5, LSet.Of(0), 1, Array.Empty<int>(), seed: 1);
        var xy = new RowMatrix(5, 2, new double[] { 0, 10, 100, 10, 0, 0, 100, 0, 50, 5 });
        var c = ExtremeMolecules.Find("p", xy, set);
        Assert.Equal(new[] { 0, 1, 2, 3 }, c.Select(m => m.Row));
        Assert.Equal(set.Smiles[1], c[1].Smiles);
        Assert.Equal(set.Nsps![3], c[3].Nsps);
        Assert.Throws<InvalidDataException>(() => ExtremeMolecules.Find("p", new RowMatrix(4, 2), set));
    }

    [Fact]
    public void Grid_figure_writes_png_and_svg_with_every_panel()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var set = SyntheticEmbeddings.Create(50, LSet.Of(0), 1, Array.Empty<int>(), seed: 1);
        var xy = new RowMatrix(50, 2, Enumerable.Range(0, 100).Select(i => (double)(i * 37 % 101)).ToArray());
        var panels = Enumerable.Range(0, 3).Select(i => PhatePanels.Panel($"panel {i}", xy, set.Nsps, new[] { 0, 1, 2, 3 }, 0, 35)).ToList();
        var f = FigureWriter.SaveGrid(panels, 2, 300, 250, Path.Combine(dir, "grid"));
        using var png = SkiaSharp.SKBitmap.Decode(f.Png);
        Assert.Equal((600, 500), (png.Width, png.Height));
        var svg = File.ReadAllText(f.Svg);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(svg, "<svg").Count);
        Assert.Contains("panel 2", svg);
    }
}
