using EquiGrid.Training.Data;
using ILGPU;

namespace EquiGrid.Training.Gpu;

/// <summary>
/// One <see cref="GraphBatch"/> on the device, with the index lists the gather kernels need: the edges into each atom,
/// the edges out of each atom and the atoms of each element type (CSR: offsets + members), and each molecule's atom
/// range. The lists are built on the host with a counting sort while the batch is collated; members keep edge
/// (atom) order, so every segment sum adds in a fixed order.
/// </summary>
internal sealed class DeviceBatch
{
    public DeviceBatch(GraphBatch batch, DeviceArena arena, int atomTypes)
    {
        Atoms = batch.AtomCount;
        Edges = batch.EdgeCount;
        Molecules = batch.MoleculeCount;
        foreach (int z in batch.AtomicNumbers)
            if (z < 0 || z >= atomTypes) throw new ArgumentException($"atomic number {z} is outside the embedding table (0..{atomTypes - 1})");
        AtomicNumbers = arena.Upload("batch.z", batch.AtomicNumbers);
        Positions = arena.Upload("batch.pos", batch.Positions);
        Source = arena.Upload("batch.src", batch.Source);
        Target = arena.Upload("batch.dst", batch.Target);
        AtomMolecule = arena.Upload("batch.mol", batch.AtomToMolecule);
        Targets = arena.Upload("batch.targets", batch.Targets);
        var (inOffsets, inMembers) = Group(batch.Target, Atoms);
        var (outOffsets, outMembers) = Group(batch.Source, Atoms);
        var (typeOffsets, typeMembers) = Group(batch.AtomicNumbers, atomTypes);
        var (molOffsets, _) = Group(batch.AtomToMolecule, Molecules);
        InOffsets = arena.Upload("batch.in.offsets", inOffsets);
        InEdges = arena.Upload("batch.in.edges", inMembers);
        OutOffsets = arena.Upload("batch.out.offsets", outOffsets);
        OutEdges = arena.Upload("batch.out.edges", outMembers);
        TypeOffsets = arena.Upload("batch.type.offsets", typeOffsets);
        TypeAtoms = arena.Upload("batch.type.atoms", typeMembers);
        MoleculeOffsets = arena.Upload("batch.mol.offsets", molOffsets);
    }

    public int Atoms { get; }
    public int Edges { get; }
    public int Molecules { get; }
    public ArrayView<int> AtomicNumbers { get; }
    public ArrayView<float> Positions { get; }
    public ArrayView<int> Source { get; }
    public ArrayView<int> Target { get; }
    public ArrayView<int> AtomMolecule { get; }
    public ArrayView<float> Targets { get; }
    public ArrayView<int> InOffsets { get; }
    public ArrayView<int> InEdges { get; }
    public ArrayView<int> OutOffsets { get; }
    public ArrayView<int> OutEdges { get; }
    public ArrayView<int> TypeOffsets { get; }
    public ArrayView<int> TypeAtoms { get; }
    public ArrayView<int> MoleculeOffsets { get; }

    /// <summary>Counting sort of item indices by key: offsets [groups + 1] and members in ascending item order.</summary>
    internal static (int[] Offsets, int[] Members) Group(int[] keys, int groups)
    {
        var offsets = new int[groups + 1];
        foreach (int k in keys) offsets[k + 1]++;
        for (int g = 0; g < groups; g++) offsets[g + 1] += offsets[g];
        var cursor = (int[])offsets.Clone();
        var members = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++) members[cursor[keys[i]]++] = i;
        return (offsets, members);
    }
}
