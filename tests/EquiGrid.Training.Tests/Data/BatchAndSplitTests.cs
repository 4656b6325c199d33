using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class BatchAndSplitTests
{
    [Fact]
    public void Split_IsDeterministicPerSeed_Disjoint_AndComplete()
    {
        var a = DatasetSplit.Create(2000, 21616);
        var b = DatasetSplit.Create(2000, 21616);
        var c = DatasetSplit.Create(2000, 21617);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Train, c.Train);
        Assert.Equal((1600, 200, 200), (a.Train.Length, a.Validation.Length, a.Test.Length));
        Assert.Equal(Enumerable.Range(0, 2000), a.Train.Concat(a.Validation).Concat(a.Test).Order());
    }

    [Fact]
    public void Collate_OffsetsEdgesByAtomsOfEarlierMolecules()
    {
        var ms = Qm9Dataset.LoadDefault().Molecules.Take(3).ToList();
        var graphs = ms.Select(m => GraphBuilder.BondGraph(m)).ToList();
        var normalizer = new TargetNormalizer();
        var batch = GraphBatch.Collate(ms, graphs, normalizer);
        Assert.Equal(ms.Sum(m => m.AtomCount), batch.AtomCount);
        Assert.Equal(graphs.Sum(g => g.EdgeCount), batch.EdgeCount);
        int atomOffset = 0, edgeOffset = 0;
        for (int i = 0; i < ms.Count; i++)
        {
            for (int k = 0; k < graphs[i].EdgeCount; k++)
            {
                Assert.Equal(graphs[i].Source[k] + atomOffset, batch.Source[edgeOffset + k]);
                Assert.Equal(graphs[i].Target[k] + atomOffset, batch.Target[edgeOffset + k]);
                Assert.Equal(i, batch.AtomToMolecule[batch.Source[edgeOffset + k]]);
                Assert.Equal(i, batch.AtomToMolecule[batch.Target[edgeOffset + k]]);
            }
            Assert.Equal(ms[i].Positions, batch.Positions.Skip(atomOffset * 3).Take(ms[i].AtomCount * 3));
            Assert.Equal(normalizer.Normalize(ms[i].AtomizationEnergyEv), batch.Targets[i], 1e-5);
            Assert.Equal(ms[i].GdbId, batch.GdbIds[i]);
            atomOffset += ms[i].AtomCount;
            edgeOffset += graphs[i].EdgeCount;
        }
    }
}
