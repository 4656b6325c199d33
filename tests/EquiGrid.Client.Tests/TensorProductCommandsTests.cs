using System.Diagnostics;
using System.Text.Json;

namespace EquiGrid.Client.Tests;

/// <summary>Kernels and tensor-product verbs, run through the built CLI (<see cref="CliProcess"/>).</summary>
public class TensorProductCommandsTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliProcess.Run(120_000, args);

    [Fact]
    public void Wigner3jJsonHasTheShapeAndUnitNorm()
    {
        var (code, output, _) = Run("kernels", "wigner3j", "2", "3", "4", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, root.GetProperty("l1").GetInt32());
        var c = root.GetProperty("c");
        Assert.Equal(5, c.GetArrayLength());
        Assert.Equal(7, c[0].GetArrayLength());
        Assert.Equal(9, c[0][0].GetArrayLength());
        double norm2 = c.EnumerateArray().SelectMany(a => a.EnumerateArray()).SelectMany(b => b.EnumerateArray()).Sum(v => v.GetDouble() * v.GetDouble());
        Assert.Equal(1.0, norm2, 12);
    }

    [Fact]
    public void Wigner3jRejectsAnInvalidTripleWithOneLineAndExitCode2()
    {
        var (code, output, error) = Run("kernels", "wigner3j", "1", "1", "3");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("triangle", error);
    }

    [Fact]
    public void PathsListsTheStudysBlocks()
    {
        var (code, output, _) = Run("kernels", "paths", "--l", "0,1,2", "--hidden", "32", "--json");
        Assert.Equal(0, code);
        var blocks = JsonDocument.Parse(output).RootElement.GetProperty("blocks");
        Assert.Equal(6144, blocks[0].GetProperty("weight_numel").GetInt32());
        Assert.Equal(3, blocks[0].GetProperty("paths").GetArrayLength());
        Assert.Equal(11264, blocks[1].GetProperty("weight_numel").GetInt32());
        Assert.Equal(11, blocks[1].GetProperty("paths").GetArrayLength());
    }

    [Fact]
    public void BenchTpReportsRowsPerSecond()
    {
        var (code, output, _) = Run("bench", "tp", "--irreps-in", "4x0e+4x1o", "--sh", "0,1", "--irreps-out", "4x0e+4x1o", "--rows", "500", "--backward", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.True(root.GetProperty("per_second").GetDouble() > 0);
        Assert.Equal(4, root.GetProperty("paths").GetInt32());
        Assert.Equal(64, root.GetProperty("weight_numel").GetInt32());
    }

    [Fact]
    public void BenchTpRejectsIrrepsWithNoPath()
    {
        var (code, _, error) = Run("bench", "tp", "--irreps-in", "4x0e", "--sh", "1", "--irreps-out", "4x0e", "--rows", "10");
        Assert.Equal(2, code);
        Assert.Contains("no allowed path", error);
    }
}
