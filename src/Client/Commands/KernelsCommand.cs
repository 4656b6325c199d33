using System.CommandLine;

namespace EquiGrid.Client.Commands;

/// <summary><c>equigrid kernels ...</c>: evaluate and inspect the equivariant kernels.</summary>
public static class KernelsCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var cmd = new Command("kernels", "Evaluate and inspect spherical harmonics, Wigner 3j symbols and tensor-product paths");
        // One subcommand per file in Commands/Kernels/.
        cmd.Subcommands.Add(Kernels.ShCommand.Create());
        cmd.Subcommands.Add(Kernels.OpsCommand.Create());
        cmd.Subcommands.Add(Kernels.Wigner3jCommand.Create());
        cmd.Subcommands.Add(Kernels.PathsCommand.Create());
        return cmd;
    }
}
