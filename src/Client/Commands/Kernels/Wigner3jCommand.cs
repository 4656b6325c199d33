using System.CommandLine;
using System.Globalization;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;

namespace EquiGrid.Client.Commands.Kernels;

/// <summary><c>equigrid kernels wigner3j L1 L2 L3 [--json]</c>: the real Wigner 3j tensor in e3nn's basis.</summary>
public static class Wigner3jCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var l1 = new Argument<int>("L1") { Description = "Order of the first input (0..20)" };
        var l2 = new Argument<int>("L2") { Description = "Order of the second input (0..20)" };
        var l3 = new Argument<int>("L3") { Description = "Order of the output, |L1-L2| <= L3 <= L1+L2" };
        var json = CliApp.JsonOption();
        var cmd = new Command("wigner3j", "Print the real Wigner 3j tensor C[m1,m2,m3] (e3nn 0.5.1's o3.wigner_3j: real basis, m = -l..l, unit Frobenius norm)")
        {
            l1, l2, l3, json,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            int a = parse.GetValue(l1), b = parse.GetValue(l2), c = parse.GetValue(l3);
            var flat = Wigner3j.Get(a, b, c);
            int d1 = 2 * a + 1, d2 = 2 * b + 1, d3 = 2 * c + 1;
            if (parse.GetValue(json))
            {
                var nested = new double[d1][][];
                for (int i = 0; i < d1; i++)
                {
                    nested[i] = new double[d2][];
                    for (int j = 0; j < d2; j++) nested[i][j] = flat.AsSpan((i * d2 + j) * d3, d3).ToArray();
                }
                CliApp.WriteJson(new { L1 = a, L2 = b, L3 = c, Shape = new[] { d1, d2, d3 }, C = nested });
                return ExitCodes.Ok;
            }
            Console.WriteLine($"Wigner 3j ({a},{b},{c}): shape [{d1},{d2},{d3}], e3nn real basis, rows m1 = -{a}..{a}, columns m2 = -{b}..{b}");
            for (int k = 0; k < d3; k++)
            {
                Console.WriteLine($"m3 = {k - c}:");
                for (int i = 0; i < d1; i++)
                {
                    var cells = Enumerable.Range(0, d2).Select(j =>
                    {
                        double v = flat[(i * d2 + j) * d3 + k];
                        return Math.Abs(v) < 1e-15 ? "0".PadLeft(10) : v.ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(10);
                    });
                    Console.WriteLine($"  {string.Join(" ", cells)}");
                }
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
