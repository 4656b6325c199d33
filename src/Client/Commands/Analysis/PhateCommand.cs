using System.CommandLine;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Phate;
using EquiGrid.Client.Cli;

namespace EquiGrid.Client.Commands.Analysis;

/// <summary><c>equigrid phate --input X.csv --output Y.csv</c>: PHATE 2-D embedding of a numeric CSV.</summary>
public static class PhateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "CSV, one row per point, comma-separated, optional header", Required = true };
        var output = new Option<string>("--output") { Description = "Output CSV: x,y per input row, in input order", Required = true };
        var knn = new Option<int>("--knn") { Description = "Neighbour that sets each point's kernel bandwidth", DefaultValueFactory = _ => 5 };
        var decay = new Option<double>("--decay") { Description = "Alpha of the alpha-decay kernel", DefaultValueFactory = _ => 40 };
        var t = new Option<string>("--t") { Description = "Diffusion time, or 'auto' (von Neumann entropy knee)", DefaultValueFactory = _ => "auto" };
        var landmarks = new Option<int>("--landmarks") { Description = "Landmarks used when there are more points than this", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };
        var pca = new Option<int>("--pca") { Description = "Reduce inputs wider than this to this many principal components first (PHATE's n_pca); 0 = off", DefaultValueFactory = _ => 100 };
        var cmd = new Command("phate", "Embed points in 2-D with PHATE (k-NN alpha-decay kernel, diffusion, potential distances, metric MDS)")
        {
            input, output, knn, decay, t, landmarks, seed, pca,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            string tText = parse.GetValue(t)!;
            int? tValue = tText.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null
                : int.TryParse(tText, out var tv) && tv >= 1 ? tv
                : throw new UserInputException($"--t must be 'auto' or a positive integer, got '{tText}'");
            var options = new PhateOptions
            {
                Knn = parse.GetValue(knn), Decay = parse.GetValue(decay), T = tValue,
                Landmarks = parse.GetValue(landmarks), Seed = parse.GetValue(seed),
                Pca = parse.GetValue(pca) switch
                {
                    0 => null,
                    > 0 and var p => p,
                    var p => throw new UserInputException($"--pca must be a positive number of components or 0 (off), got {p}"),
                },
            };
            var x = CsvMatrix.Read(parse.GetValue(input)!);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var res = PhateEmbedder.Embed(x, options, line => Console.Error.WriteLine(line));
            CsvMatrix.Write(parse.GetValue(output)!, res.Embedding, new[] { "x", "y" });
            Console.Error.WriteLine($"phate: {x.Rows} points x {x.Cols} dims -> {parse.GetValue(output)} in {sw.Elapsed.TotalSeconds:F1} s ({(res.LandmarkCount < x.Rows ? $"{res.LandmarkCount} landmarks" : "no landmarks")})");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
