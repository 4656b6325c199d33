using System.CommandLine;
using System.Reflection;
using EquiGrid.Client.Cli;

namespace EquiGrid.Client.Commands;

/// <summary><c>equigrid version</c>: the CLI's version and runtime.</summary>
public static class VersionCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var json = CliApp.JsonOption();
        var cmd = new Command("version", "Print the EquiGrid version and runtime") { json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var info = new
            {
                Version = Assembly.GetExecutingAssembly().GetName().Version?.ToString() ?? "0",
                Runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                Cores = Environment.ProcessorCount,
            };
            if (parse.GetValue(json)) CliApp.WriteJson(info);
            else Console.WriteLine($"equigrid {info.Version} ({info.Runtime}, {info.Os}, {info.Cores} cores)");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
