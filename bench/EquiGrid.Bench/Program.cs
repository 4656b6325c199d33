using EquiGrid.Bench;
using EquiGrid.Bench.Cases;

// Benchmarks measured in one process against an in-process baseline: `dotnet run -c Release --project bench/EquiGrid.Bench -- <case> [options]`.
var cases = new Dictionary<string, Func<string[], int>>
{
    ["sh"] = ShBench.Run,
    ["tp"] = TpBench.Run,
    ["phate"] = PhateBench.Run,
    ["train"] = TrainBench.Run,
    ["anchor"] = AnchorBench.Run,
    ["checkpoint"] = CheckpointBench.Run,
    ["dispatch"] = DispatchBench.Run,
    ["failover"] = FailoverBench.Run,
};
if (args.Length == 0 || !cases.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: EquiGrid.Bench <{string.Join("|", cases.Keys)}> [options]");
    return 2;
}
try
{
    return run(args[1..]);
}
catch (ArgumentException e) when (e.TargetSite?.DeclaringType?.Namespace?.StartsWith("EquiGrid.Bench", StringComparison.Ordinal) == true)
{
    // A bad option (the cases check their own): one line and exit 2, no stack trace.
    Console.Error.WriteLine($"bench {args[0]}: {e.Message}");
    return 2;
}
