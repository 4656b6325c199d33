using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;

namespace EquiGrid.Client.Commands.Kernels;

/// <summary>
/// <c>equigrid kernels paths --l 0,1,2 --hidden 32 [--json]</c>: the tensor-product paths of the study's model for an
/// L-set: the first block (embedding scalars x SH -> hidden) and one hidden -> hidden block, with weight counts.
/// </summary>
public static class PathsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var lset = new Option<string>("--l") { Description = "L-set, e.g. 0,1,2 or 0,3,4,5,6", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden multiplicity h (features h x l for every l in the L-set)", DefaultValueFactory = _ => 32 };
        var embedding = new Option<int>("--embedding") { Description = "Atom-embedding scalars feeding the first block", DefaultValueFactory = _ => 64 };
        var json = CliApp.JsonOption();
        var cmd = new Command("paths", "List the allowed tensor-product paths and weight counts of the model's blocks for an L-set")
        {
            lset, hidden, embedding, json,
        };
        cmd.SetAction((parse, ct) => CliApp.Run(() =>
        {
            var l = LSet.Parse(parse.GetValue(lset)!);
            int h = parse.GetValue(hidden), e = parse.GetValue(embedding);
            if (h <= 0) throw new UserInputException($"--hidden must be > 0 (got {h})");
            if (e <= 0) throw new UserInputException($"--embedding must be > 0 (got {e})");
            var sh = Irreps.SphericalHarmonics(l);
            var hiddenIrreps = Irreps.Hidden(l, h);
            var blocks = new[]
            {
                Describe("first", TensorProduct.FullyConnected(new Irreps(new[] { new MulIrrep(e, new Irrep(0, 1)) }), sh, hiddenIrreps)),
                Describe("hidden", TensorProduct.FullyConnected(hiddenIrreps, sh, hiddenIrreps)),
            };
            if (parse.GetValue(json))
            {
                CliApp.WriteJson(new { LSet = l.Orders, Hidden = h, Blocks = blocks });
                return ExitCodes.Ok;
            }
            foreach (var b in blocks)
            {
                Console.WriteLine($"{b.Block} block: {b.IrrepsIn1} x {b.IrrepsIn2} -> {b.IrrepsOut}: {b.Paths.Length} paths, {b.WeightNumel} weights per edge");
                foreach (var p in b.Paths)
                    Console.WriteLine($"  {p.Index,3}  {p.In1,-7} x {p.In2,-4} -> {p.Out,-7} {p.Weights,7} weights  coefficient {p.Coefficient:0.######}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private sealed record PathRow(int Index, string In1, string In2, string Out, int Weights, double Coefficient);

    private sealed record BlockRow(string Block, string IrrepsIn1, string IrrepsIn2, string IrrepsOut, int WeightNumel, PathRow[] Paths);

    private static BlockRow Describe(string name, TensorProduct tp) => new(
        name, tp.IrrepsIn1.ToString(), tp.IrrepsIn2.ToString(), tp.IrrepsOut.ToString(), tp.WeightNumel,
        tp.Instructions.Select((ins, n) => new PathRow(n, tp.IrrepsIn1[ins.In1].ToString(), tp.IrrepsIn2[ins.In2].ToString(), tp.IrrepsOut[ins.Out].ToString(),
            tp.IrrepsIn1[ins.In1].Mul * tp.IrrepsIn2[ins.In2].Mul * tp.IrrepsOut[ins.Out].Mul, ins.NormalizationCoefficient)).ToArray());
}
