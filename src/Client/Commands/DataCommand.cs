using System.CommandLine;

namespace EquiGrid.Client.Commands;

/// <summary><c>equigrid data ...</c>: QM9 data: statistics, the shipped subset, bond checks and the download.</summary>
public static class DataCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var cmd = new Command("data", "Load, check, subset and download QM9");
        // One subcommand per file in Commands/Data/.
        cmd.Subcommands.Add(Data.StatsCommand.Create());
        cmd.Subcommands.Add(Data.SubsetCommand.Create());
        cmd.Subcommands.Add(Data.BondsCommand.Create());
        return cmd;
    }
}
