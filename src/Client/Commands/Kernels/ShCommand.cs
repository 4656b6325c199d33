using System.CommandLine;
using System.Globalization;
using System.Text;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;

namespace EquiGrid.Client.Commands.Kernels;

/// <summary>
/// <c>equigrid kernels sh --l 0,3,10 --input vectors.csv [--normalization component|norm|integral] [--no-normalize]
/// [--float64] [--output out.csv]</c>: spherical harmonics of x,y,z rows, one output row per input row with the
/// components concatenated in e3nn's order (orders ascending, m = -l..l), for checking against other implementations.
/// </summary>
public static class ShCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var orders = new Option<string>("--l") { Description = "L-set: orders 0..10, e.g. 0,3,10", Required = true };
        var input = new Option<string>("--input") { Description = "CSV of x,y,z rows (optional header line); '-' reads stdin", Required = true };
        var normalization = new Option<string>("--normalization") { Description = "component | norm | integral", DefaultValueFactory = _ => "component" };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Use r as given (homogeneous polynomials of degree l) instead of r/|r|" };
        var float64 = new Option<bool>("--float64") { Description = "Compute in float64 (default float32)" };
        var output = new Option<string?>("--output") { Description = "Write the CSV here instead of stdout" };
        var cmd = new Command("sh", "Evaluate real spherical harmonics (e3nn basis) of vectors from a CSV file")
        {
            orders, input, normalization, noNormalize, float64, output,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var request = new ShRequest(
                LSet.Parse(parse.GetValue(orders)!),
                ParseNormalization(parse.GetValue(normalization)!),
                !parse.GetValue(noNormalize),
                parse.GetValue(float64));
            string inputPath = parse.GetValue(input)!;
            var vectors = inputPath == "-" ? VectorCsv.Read(Console.In, "stdin") : VectorCsv.ReadFile(inputPath);
            string? outputPath = parse.GetValue(output);
            if (outputPath is null)
            {
                Write(request, vectors, Console.Out);
            }
            else
            {
                using var writer = new StreamWriter(outputPath, false, new UTF8Encoding(false));
                Write(request, vectors, writer);
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>What to evaluate.</summary>
    internal sealed record ShRequest(LSet LSet, ShNormalization Normalization, bool NormalizeInput, bool Float64);

    /// <summary>Parses component | norm | integral (case-insensitive).</summary>
    internal static ShNormalization ParseNormalization(string text) => text.Trim().ToLowerInvariant() switch
    {
        "component" => ShNormalization.Component,
        "norm" => ShNormalization.Norm,
        "integral" => ShNormalization.Integral,
        _ => throw new UserInputException($"--normalization '{text}' is not one of component, norm, integral"),
    };

    /// <summary>Column names in e3nn order: l0m0, l1m-1, l1m0, l1m1, ...</summary>
    internal static IEnumerable<string> ColumnNames(LSet lset) =>
        lset.Orders.SelectMany(l => Enumerable.Range(-l, 2 * l + 1).Select(m => string.Create(CultureInfo.InvariantCulture, $"l{l}m{m}")));

    /// <summary>Evaluates and writes the CSV (header plus one row per vector, round-trip number formatting).</summary>
    internal static void Write(ShRequest request, double[] xyz, TextWriter writer)
    {
        int n = xyz.Length / 3, dim = request.LSet.Dim;
        writer.WriteLine(string.Join(",", ColumnNames(request.LSet)));
        var line = new StringBuilder();
        if (request.Float64)
        {
            var values = new double[n * dim];
            SphericalHarmonics.Forward(request.LSet, xyz, values, request.Normalization, request.NormalizeInput);
            for (int i = 0; i < n; i++)
            {
                line.Clear();
                for (int c = 0; c < dim; c++) line.Append(c == 0 ? "" : ",").Append(values[i * dim + c].ToString("R", CultureInfo.InvariantCulture));
                writer.WriteLine(line);
            }
        }
        else
        {
            var values = new float[n * dim];
            SphericalHarmonics.Forward(request.LSet, xyz.Select(v => (float)v).ToArray(), values, request.Normalization, request.NormalizeInput);
            for (int i = 0; i < n; i++)
            {
                line.Clear();
                for (int c = 0; c < dim; c++) line.Append(c == 0 ? "" : ",").Append(values[i * dim + c].ToString("R", CultureInfo.InvariantCulture));
                writer.WriteLine(line);
            }
        }
    }
}
