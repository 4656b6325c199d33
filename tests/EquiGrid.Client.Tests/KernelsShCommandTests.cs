using System.Globalization;
using System.Text.Json;
using EquiGrid.Client.Commands.Bench;
using EquiGrid.Client.Commands.Kernels;
using EquiGrid.Kernels;

namespace EquiGrid.Client.Tests;

public sealed class KernelsShCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("equigrid-sh-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task WritesOneRowPerVectorWithE3nnColumnNames()
    {
        var input = Path.Combine(_dir, "v.csv");
        var output = Path.Combine(_dir, "out.csv");
        File.WriteAllText(input, "x,y,z\n0,0,1\n\n0.3,-1.2,2.5\n");
        int rc = await ShCommand.Create().Parse(new[] { "--l", "0,3", "--input", input, "--output", output, "--float64", "--normalization", "integral" }).InvokeAsync();
        Assert.Equal(0, rc);
        var lines = File.ReadAllLines(output);
        Assert.Equal("l0m0,l3m-3,l3m-2,l3m-1,l3m0,l3m1,l3m2,l3m3", lines[0]);
        Assert.Equal(3, lines.Length);
        var expected = new double[16];
        SphericalHarmonics.Forward(LSet.Of(0, 3), new[] { 0, 0, 1, 0.3, -1.2, 2.5 }, expected, ShNormalization.Integral);
        var actual = lines.Skip(1).SelectMany(l => l.Split(',')).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task BadRowIsAUsageErrorAndWritesNothing()
    {
        var input = Path.Combine(_dir, "bad.csv");
        var output = Path.Combine(_dir, "out.csv");
        File.WriteAllText(input, "1,2,3\n4,five,6\n");
        int rc = await ShCommand.Create().Parse(new[] { "--l", "1", "--input", input, "--output", output }).InvokeAsync();
        Assert.Equal(2, rc);
        Assert.False(File.Exists(output));
        var error = Assert.ThrowsAny<Exception>(() => VectorCsv.Read(new StringReader("1,2,3\n4,five,6\n"), "bad.csv"));
        Assert.Contains("bad.csv:2", error.Message);
    }

    [Fact]
    public async Task UnknownNormalisationIsAUsageError()
    {
        var input = Path.Combine(_dir, "v.csv");
        File.WriteAllText(input, "1,2,3\n");
        int rc = await ShCommand.Create().Parse(new[] { "--l", "1", "--input", input, "--normalization", "unit", "--output", Path.Combine(_dir, "o.csv") }).InvokeAsync();
        Assert.Equal(2, rc);
    }

    [Fact]
    public void OpsReportIsTheLibrarysCountsAsJson()
    {
        var writer = new StringWriter();
        OpsCommand.Write(writer, json: true);
        using var doc = JsonDocument.Parse(writer.ToString());
        var rows = doc.RootElement.GetProperty("orders").EnumerateArray().ToArray();
        Assert.Equal(11, rows.Length);
        Assert.Equal(ShOpCounts.ForOrder(10).DirectForward.Total, rows[10].GetProperty("direct_total").GetInt32());
        Assert.Equal(ShOpCounts.ForOrder(10).RecursiveForward.Total, rows[10].GetProperty("recursive_total").GetInt32());
    }

    [Fact]
    public void BenchReportsPerSecond()
    {
        var result = BenchShCommand.Measure(LSet.Of(2), 4096, backward: true, float64: false, repetitions: 2);
        var writer = new StringWriter();
        BenchShCommand.Write(writer, result, json: true);
        using var doc = JsonDocument.Parse(writer.ToString());
        Assert.True(doc.RootElement.GetProperty("per_second").GetDouble() > 0);
        Assert.Equal("[2]", doc.RootElement.GetProperty("l").GetString());
    }
}
