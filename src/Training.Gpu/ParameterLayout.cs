using EquiGrid.Training.Model;

namespace EquiGrid.Training.Gpu;

/// <summary>One parameter tensor's place in the flat device parameter vector.</summary>
public sealed record ParameterSlot(string Name, long[] Shape, long Offset, long Count);

/// <summary>
/// Where each parameter of the model lives in one flat float vector (parameters, gradients and both AdamW moments
/// share the layout, so the optimiser is a single launch). The slots follow <see cref="EquivariantModel"/>'s parameter
/// order, which is also the order of its checkpoint and of its AdamW state: the readout vector, the embedding, per block
/// the radial MLP's two matrices, then the final Linear(1,1) weight and bias. <see cref="Verify"/> checks a TorchSharp
/// model against it (names, shapes and order), so a change of the TorchSharp model's parameters fails with the names
/// instead of training wrongly. The layout needs no TorchSharp, so the device check can run without libtorch.
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, ParameterSlot> _byName;

    /// <summary>The layout of <paramref name="config"/>'s model.</summary>
    public ParameterLayout(ModelConfig config)
    {
        var shapes = new List<(string Name, long[] Shape)>
        {
            ("_readout", new long[] { config.Hidden }),
            ("_embedding.weight", new long[] { config.AtomTypes, config.AtomDim }),
        };
        var blocks = ModelBlocks.For(config);
        for (int i = 0; i < blocks.Count; i++)
        {
            shapes.Add(($"_blocks.{i}._mlp._w1", new long[] { config.Basis, config.Hidden }));
            shapes.Add(($"_blocks.{i}._mlp._w2", new long[] { config.Hidden, blocks[i].WeightNumel }));
        }
        shapes.Add(("_final.weight", new long[] { 1, 1 }));
        shapes.Add(("_final.bias", new long[] { 1 }));
        long offset = 0;
        var slots = new List<ParameterSlot>();
        foreach (var (name, shape) in shapes)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            slots.Add(new ParameterSlot(name, shape, offset, count));
            offset += count;
        }
        Slots = slots;
        _byName = slots.ToDictionary(s => s.Name);
        Total = offset;
        BlockCount = blocks.Count;
    }

    /// <summary>Slots in TorchSharp parameter order.</summary>
    public IReadOnlyList<ParameterSlot> Slots { get; }
    /// <summary>Number of parameters.</summary>
    public long Total { get; }
    /// <summary>Number of interaction blocks.</summary>
    public int BlockCount { get; }

    internal ParameterSlot Embedding => _byName["_embedding.weight"];
    internal ParameterSlot RadialIn(int block) => _byName[$"_blocks.{block}._mlp._w1"];
    internal ParameterSlot RadialOut(int block) => _byName[$"_blocks.{block}._mlp._w2"];
    internal ParameterSlot Readout => _byName["_readout"];
    internal ParameterSlot FinalWeight => _byName["_final.weight"];
    internal ParameterSlot FinalBias => _byName["_final.bias"];

    /// <summary>Throws unless <paramref name="model"/>'s parameters are exactly these slots (names, shapes, order).</summary>
    public void Verify(EquivariantModel model)
    {
        var actual = model.named_parameters().Select(p => (p.name, p.parameter.shape)).ToList();
        if (actual.Count != Slots.Count || actual.Zip(Slots).Any(x => x.First.name != x.Second.Name || !x.First.shape.SequenceEqual(x.Second.Shape)))
            throw new InvalidOperationException(
                $"the TorchSharp model's parameters ({Describe(actual)}) are not the ones the ILGPU model expects ({Describe(Slots.Select(s => (s.Name, s.Shape)))})");
    }

    private static string Describe(IEnumerable<(string Name, long[] Shape)> items) =>
        string.Join(", ", items.Select(a => $"{a.Name}[{string.Join(",", a.Shape)}]"));
}

/// <summary>The interaction blocks' tensor products of a configuration, built without TorchSharp (same as <see cref="EquivariantModel"/>'s).</summary>
public static class ModelBlocks
{
    /// <summary>Block 0 (embedding scalars -> hidden), then num_layers + 1 hidden -> hidden blocks.</summary>
    public static IReadOnlyList<EquiGrid.Kernels.TensorProduct> For(ModelConfig config)
    {
        var list = new List<EquiGrid.Kernels.TensorProduct> { EquiGrid.Kernels.TensorProduct.FullyConnected(config.EmbeddingIrreps, config.ShIrreps, config.HiddenIrreps) };
        for (int i = 1; i <= config.Layers + 1; i++)
            list.Add(EquiGrid.Kernels.TensorProduct.FullyConnected(config.HiddenIrreps, config.ShIrreps, config.HiddenIrreps));
        return list;
    }
}
