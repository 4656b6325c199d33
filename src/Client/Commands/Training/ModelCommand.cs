using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Kernels;
using EquiGrid.Training.Model;

namespace EquiGrid.Client.Commands.Training;

/// <summary><c>equigrid model summary</c>: the architecture of one L-set and hidden size, block by block.</summary>
public static class ModelCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var l = new Option<string>("--l") { Description = "L-set, e.g. 0,1,2", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden multiplicity h", Required = true };
        var atomDim = new Option<int>("--atom-dim") { Description = "Atom embedding width", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "num_layers", DefaultValueFactory = _ => 3 };
        var basis = new Option<int>("--basis") { Description = "Bessel basis size", DefaultValueFactory = _ => 20 };
        var json = CliApp.JsonOption();
        var summary = new Command("summary", "Per-block irreps, tensor-product paths and the trainable parameter count") { l, hidden, atomDim, layers, basis, json };
        summary.SetAction((parse, ct) => CliApp.Run(() =>
        {
            // The study file's limits first (hidden at most 4096, ...): an absurd size is bad input, not an allocation failure.
            new TrialSpec { LSet = parse.GetValue(l)!, Hidden = parse.GetValue(hidden), AtomDim = parse.GetValue(atomDim), Layers = parse.GetValue(layers), Basis = parse.GetValue(basis) }.Validate();
            var config = new ModelConfig
            {
                LSet = LSet.Parse(parse.GetValue(l)!), Hidden = parse.GetValue(hidden), AtomDim = parse.GetValue(atomDim),
                Layers = parse.GetValue(layers), Basis = parse.GetValue(basis),
            };
            using var model = new EquivariantModel(config);
            var blocks = model.Blocks.Select((b, i) => new
            {
                Block = i,
                IrrepsIn = b.TensorProduct.IrrepsIn1.ToString(),
                IrrepsSh = b.TensorProduct.IrrepsIn2.ToString(),
                IrrepsOut = b.TensorProduct.IrrepsOut.ToString(),
                Residual = b.HasResidual,
                WeightNumel = b.TensorProduct.WeightNumel,
                RadialMlpParameters = (long)config.Basis * config.Hidden + (long)config.Hidden * b.TensorProduct.WeightNumel,
                Paths = b.TensorProduct.Instructions.Select(ins => ins.Describe(b.TensorProduct.IrrepsIn1, b.TensorProduct.IrrepsIn2, b.TensorProduct.IrrepsOut)).ToList(),
            }).ToList();
            var info = new
            {
                LSet = config.LSet.ToString(), config.Hidden, config.AtomDim, config.Layers, config.Basis,
                HiddenIrreps = config.HiddenIrreps.ToString(),
                Embedding = (long)config.AtomTypes * config.AtomDim,
                Readout = config.Hidden + 2,
                Blocks = blocks,
                Parameters = model.ParameterCount,
            };
            if (parse.GetValue(json)) { CliApp.WriteJson(info); return ExitCodes.Ok; }
            Console.WriteLine($"L = {info.LSet}, h = {info.Hidden}: hidden irreps {info.HiddenIrreps}");
            Console.WriteLine($"  atom embedding 100x{config.AtomDim}: {info.Embedding:N0} parameters");
            foreach (var b in blocks)
            {
                Console.WriteLine($"  block {b.Block}: {b.IrrepsIn} (x) {b.IrrepsSh} -> {b.IrrepsOut}{(b.Residual ? " + residual" : "")}; {b.Paths.Count} paths, {b.WeightNumel:N0} weights per edge, radial MLP {b.RadialMlpParameters:N0} parameters");
                foreach (var p in b.Paths) Console.WriteLine($"    {p}");
            }
            Console.WriteLine($"  readout {config.Hidden}x0e -> 1x0e + Linear(1,1): {info.Readout} parameters");
            Console.WriteLine($"parameters: {info.Parameters:N0}");
            return ExitCodes.Ok;
        }, ct));
        return new Command("model", "Inspect the study's model architecture") { summary };
    }
}
