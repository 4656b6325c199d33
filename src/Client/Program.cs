using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Client.Commands;

// Each area contributes one verb; the command classes live in Commands/.
var root = new RootCommand("EquiGrid: L-set grid studies of equivariant graph networks on molecules")
{
    VersionCommand.Create(),
    KernelsCommand.Create(),
    BenchCommand.Create(),
    EquiGrid.Client.Commands.Analysis.PhateCommand.Create(),
    EquiGrid.Client.Commands.Analysis.AnalyzeCommand.Create(),
    EquiGrid.Client.Commands.Analysis.ReportCommand.Create(),
    DataCommand.Create(),
    EquiGrid.Client.Commands.Training.TrainCommand.Create(),
    EquiGrid.Client.Commands.Training.ModelCommand.Create(),
    NspsCommand.Create(),
};
foreach (var verb in EquiGrid.Client.Commands.Cluster.ClusterCommands.Create()) root.Subcommands.Add(verb);

var parse = root.Parse(args);
if (parse.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
{
    // Usage errors: one line each on stderr, exit code 2 (see ExitCodes).
    foreach (var error in parse.Errors) Console.Error.WriteLine($"equigrid: error: {error.Message}");
    Console.Error.WriteLine("equigrid: run 'equigrid --help' for usage");
    return ExitCodes.Usage;
}
// Ctrl+C cancels the verb; `run` then stops its embedded silo within RunCommand.StopGrace. The library's default
// 2 s before it gives up on the verb would cut that stop short (a lease not handed back), so it waits a little longer.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = EquiGrid.Client.Commands.Cluster.RunCommand.StopGrace + TimeSpan.FromSeconds(10) });
