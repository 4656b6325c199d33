using System.CommandLine;

namespace EquiGrid.Client.Commands;

/// <summary><c>equigrid bench ...</c>: measure this node's throughput (users compare machines; nodes report it for placement).</summary>
public static class BenchCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var cmd = new Command("bench", "Measure this machine's kernel and training throughput");
        // One subcommand per file in Commands/Bench/.
        cmd.Subcommands.Add(Bench.BenchShCommand.Create());
        cmd.Subcommands.Add(Bench.BenchTpCommand.Create());
        cmd.Subcommands.Add(Bench.BenchTrainCommand.Create());
        return cmd;
    }
}
