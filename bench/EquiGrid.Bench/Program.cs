using EquiGrid.Bench;

// Benchmark harness: dotnet run -c Release --project bench/EquiGrid.Bench -- <suite> [options]. One case per suite.
return args.FirstOrDefault() switch
{
    "sh" => ShBench.Run(args[1..]),
    "tp" => TpBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: EquiGrid.Bench <suite> [options]   suites: sh, tp");
    return 2;
}
