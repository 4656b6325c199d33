using EquiGrid.Bench.Cases;

// Benchmarks, one case per area: `dotnet run -c Release --project bench/EquiGrid.Bench -- <case> [args]`.
// Other areas add their case with one line in this table.
var cases = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["phate"] = PhateBench.Run,
};

if (args.Length == 0 || !cases.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: EquiGrid.Bench <case> [args]; cases: {string.Join(", ", cases.Keys)}");
    return 2;
}
return run(args[1..]);
