using EquiGrid.Training.Model;

namespace EquiGrid.Training.Gpu;

/// <summary>One parameter tensor's place in the flat device parameter vector.</summary>
internal sealed record ParameterSlot(string Name, long[] Shape, long Offset, long Count);

/// <summary>
/// Where each parameter of <see cref="EquivariantModel"/> lives in one flat float vector (parameters, gradients and
/// both AdamW moments share the layout, so the optimiser is a single launch). Slots follow the TorchSharp model's
/// parameter order, which is also the order of its checkpoint and of its AdamW state; each slot's role (embedding,
/// radial MLP matrices of block i, readout, final Linear(1,1)) is found by the TorchSharp parameter name and its
/// shape checked against the architecture, so a change of the TorchSharp model's parameters fails here with the
/// names instead of training wrongly.
/// </summary>
internal sealed class ParameterLayout
{
    public ParameterLayout(EquivariantModel model)
    {
        var config = model.Config;
        var blocks = model.Blocks;
        var expected = new Dictionary<string, long[]>
        {
            ["_embedding.weight"] = new long[] { config.AtomTypes, config.AtomDim },
            ["_readout"] = new long[] { config.Hidden },
            ["_final.weight"] = new long[] { 1, 1 },
            ["_final.bias"] = new long[] { 1 },
        };
        for (int i = 0; i < blocks.Count; i++)
        {
            expected[$"_blocks.{i}._mlp._w1"] = new long[] { config.Basis, config.Hidden };
            expected[$"_blocks.{i}._mlp._w2"] = new long[] { config.Hidden, blocks[i].TensorProduct.WeightNumel };
        }
        var actual = model.named_parameters().Select(p => (p.name, p.parameter.shape)).ToList();
        if (actual.Count != expected.Count || actual.Any(a => !expected.TryGetValue(a.name, out var shape) || !shape.SequenceEqual(a.shape)))
            throw new InvalidOperationException(
                $"the TorchSharp model's parameters ({string.Join(", ", actual.Select(a => $"{a.name}[{string.Join(",", a.shape)}]"))}) are not the ones the ILGPU model expects ({string.Join(", ", expected.Select(e => $"{e.Key}[{string.Join(",", e.Value)}]"))})");
        long offset = 0;
        var slots = new List<ParameterSlot>();
        foreach (var (name, shape) in actual)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            slots.Add(new ParameterSlot(name, shape, offset, count));
            offset += count;
        }
        Slots = slots;
        _byName = slots.ToDictionary(s => s.Name);
        Total = offset;
    }

    private readonly Dictionary<string, ParameterSlot> _byName;

    public IReadOnlyList<ParameterSlot> Slots { get; }
    public long Total { get; }

    public ParameterSlot Embedding => _byName["_embedding.weight"];
    public ParameterSlot RadialIn(int block) => _byName[$"_blocks.{block}._mlp._w1"];
    public ParameterSlot RadialOut(int block) => _byName[$"_blocks.{block}._mlp._w2"];
    public ParameterSlot Readout => _byName["_readout"];
    public ParameterSlot FinalWeight => _byName["_final.weight"];
    public ParameterSlot FinalBias => _byName["_final.bias"];
}
