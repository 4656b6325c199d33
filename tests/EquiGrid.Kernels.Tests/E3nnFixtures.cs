using System.Text.Json;

namespace EquiGrid.Kernels.Tests;

/// <summary>Reads the e3nn reference values in Fixtures/e3nn (provenance in its README) from the test sources.</summary>
internal static class E3nnFixtures
{
    public static JsonElement Load(string fileName)
    {
        var path = Path.Combine(FixtureDirectory(), fileName);
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    public static double[] Vector(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static double[,] Matrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Vector).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++)
                m[i, j] = rows[i][j];
        return m;
    }

    // The fixtures live next to the test sources; walk up from the output folder to the project folder.
    private static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Fixtures", "e3nn");
            if (File.Exists(Path.Combine(dir.FullName, "EquiGrid.Kernels.Tests.csproj")) && Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("Fixtures/e3nn not found above " + AppContext.BaseDirectory);
    }
}
