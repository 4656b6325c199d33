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
return run(args[1..]);
