using System.CommandLine;
using System.Text.Json;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;

namespace EquiGrid.Client.Commands.Kernels;

/// <summary>
/// <c>equigrid kernels ops [--json]</c>: multiplies and adds per order of the generated direct spherical-harmonic
/// polynomials vs the recursive evaluation needed to reach that order (the study's Fig. 3).
/// </summary>
public static class OpsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var json = CliApp.JsonOption();
        var cmd = new Command("ops", "Operation counts per order: direct generated polynomials vs recursive evaluation") { json };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            Write(Console.Out, parse.GetValue(json));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>One row of the report.</summary>
    internal sealed record OpsRow(int L, int DirectMultiplies, int DirectAdds, int DirectTotal, int RecursiveMultiplies, int RecursiveAdds,
        int RecursiveTotal, int BackwardMultiplies, int BackwardAdds, int HomogeneousMultiplies, int HomogeneousAdds);

    internal static IReadOnlyList<OpsRow> Rows() => ShOpCounts.All().Select(c => new OpsRow(c.L,
        c.DirectForward.Multiplies, c.DirectForward.Adds, c.DirectForward.Total,
        c.RecursiveForward.Multiplies, c.RecursiveForward.Adds, c.RecursiveForward.Total,
        c.DirectBackward.Multiplies, c.DirectBackward.Adds,
        c.DirectForwardHomogeneous.Multiplies, c.DirectForwardHomogeneous.Adds)).ToArray();

    internal static void Write(TextWriter writer, bool json)
    {
        var rows = Rows();
        if (json)
        {
            writer.WriteLine(JsonSerializer.Serialize(new { Orders = rows }, CliApp.Json));
            return;
        }
        writer.WriteLine("Operations per vector (multiplies + adds), counted on the generated expression graphs.");
        writer.WriteLine("direct: order l alone (unit-sphere form); recursive: the recurrence through every order up to l.");
        writer.WriteLine();
        writer.WriteLine($"{"l",3} {"direct mul",10} {"add",5} {"total",6} {"recursive mul",14} {"add",5} {"total",6} {"rec/direct",10} {"backward mul",13} {"add",5}");
        foreach (var r in rows)
            writer.WriteLine($"{r.L,3} {r.DirectMultiplies,10} {r.DirectAdds,5} {r.DirectTotal,6} {r.RecursiveMultiplies,14} {r.RecursiveAdds,5} {r.RecursiveTotal,6} " +
                $"{(r.DirectTotal == 0 ? "-" : ((double)r.RecursiveTotal / r.DirectTotal).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)),10} {r.BackwardMultiplies,13} {r.BackwardAdds,5}");
    }
}
