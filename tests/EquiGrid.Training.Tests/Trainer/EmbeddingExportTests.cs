using System.Text.Json;

namespace EquiGrid.Training.Tests.Trainer;

public class EmbeddingExportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-export-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ExportWritesEmbeddingsMetadataAndAblation()
    {
        var spec = new TrialSpec { LSet = "0,2", Hidden = 3, Epochs = 1, Seed = 2, BatchSize = 8, Layers = 0 };
        var data = new TrainingData(SyntheticMolecules.Create(30, seed: 4), m => SyntheticMolecules.RadiusGraph(m));
        var trainer = new EquiGrid.Training.Trainer(spec, data, new TrainerOptions { Threads = 1 });
        await trainer.RunAsync();
        await EmbeddingExporter.ExportAsync(trainer, data, _dir);

        var npy = await File.ReadAllBytesAsync(Path.Combine(_dir, "embeddings", "embeddings.npy"));
        Assert.Equal(0x93, npy[0]);
        int headerLength = npy[8] | npy[9] << 8;
        var header = System.Text.Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Contains("'shape': (30, 18)", header); // 3x0e + 3x2e = 3 + 15 columns
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal(10 + headerLength + 30 * 18 * 4, npy.Length);

        using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "embeddings", "embeddings.json")));
        Assert.Equal("3x0e+3x2e", meta.RootElement.GetProperty("irreps").GetString());
        Assert.Equal(30, meta.RootElement.GetProperty("ids").GetArrayLength());
        Assert.Equal(30, meta.RootElement.GetProperty("predictions_ev").GetArrayLength());

        using var ablation = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "embeddings", "ablation.json")));
        var rows = ablation.RootElement.GetProperty("ablation").EnumerateArray().ToList();
        Assert.Equal(2 * 2, rows.Count); // 2 orders x 2 blocks (initial + num_layers+1 = 1)
        // Zeroing l=2 after the last block cannot change a scalar readout: its delta must be exactly 0.
        var finalL2 = rows.Single(r => r.GetProperty("layer").GetString() == "final" && r.GetProperty("l").GetInt32() == 2);
        Assert.Equal(0.0, finalL2.GetProperty("delta").GetDouble());
        var attribution = ablation.RootElement.GetProperty("attribution").EnumerateArray().ToList();
        Assert.Contains(attribution, a => a.GetProperty("l").GetInt32() == 0 && a.GetProperty("value").GetDouble() > 0);

        // The embedding entering the final block: same layout, different numbers.
        var before = await File.ReadAllBytesAsync(Path.Combine(_dir, "embeddings", "embeddings_before_final.npy"));
        Assert.Equal(npy.Length, before.Length);
        Assert.Equal(npy.AsSpan(0, 10 + headerLength).ToArray(), before.AsSpan(0, 10 + headerLength).ToArray());
        Assert.NotEqual(npy, before);
        Assert.False(Directory.Exists(Path.Combine(_dir, "embeddings", "epochs"))); // no export_at, no snapshots
    }

    private static readonly TrialSpec SnapshotSpec = new()
    {
        LSet = "0,1", Hidden = 3, Epochs = 3, Seed = 5, BatchSize = 8, Layers = 1, CheckpointEverySteps = 2, ExportAt = [0.3, 1.0],
    };

    private static TrainingData SnapshotData() => new(SyntheticMolecules.Create(40, seed: 9), m => SyntheticMolecules.RadiusGraph(m));

    [Fact]
    public async Task ExportAtKeepsTheModelAfterTheChosenEpochsAndExportsItsEmbeddings()
    {
        var data = SnapshotData();
        var trainer = new EquiGrid.Training.Trainer(SnapshotSpec, data, new TrainerOptions { Threads = 1 });
        var plain = await new EquiGrid.Training.Trainer(SnapshotSpec with { ExportAt = null }, SnapshotData(), new TrainerOptions { Threads = 1 }).RunAsync();
        var result = await trainer.RunAsync();
        Assert.Equal(new[] { 1, 3 }, trainer.ExportEpochs); // ceil(0.3 x 3) = 1, ceil(1.0 x 3) = 3
        Assert.Equal(plain.WeightsSha256, result.WeightsSha256); // keeping a model changes nothing in training
        await EmbeddingExporter.ExportAsync(trainer, data, _dir);

        string Emb(params string[] parts) => Path.Combine(new[] { _dir, "embeddings" }.Concat(parts).ToArray());
        // The model kept after the last epoch is the final model: its export equals the final one byte for byte.
        Assert.Equal(await File.ReadAllBytesAsync(Emb("embeddings.npy")), await File.ReadAllBytesAsync(Emb("epochs", "e3", "embeddings.npy")));
        Assert.Equal(await File.ReadAllBytesAsync(Emb("embeddings_before_final.npy")), await File.ReadAllBytesAsync(Emb("epochs", "e3", "embeddings_before_final.npy")));
        Assert.NotEqual(await File.ReadAllBytesAsync(Emb("embeddings.npy")), await File.ReadAllBytesAsync(Emb("epochs", "e1", "embeddings.npy")));
        using var snap = JsonDocument.Parse(await File.ReadAllTextAsync(Emb("epochs", "e1", "snapshot.json")));
        Assert.Equal(1, snap.RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal(3, snap.RootElement.GetProperty("epochs").GetInt32());
        Assert.Equal(0.3, snap.RootElement.GetProperty("fraction").GetDouble());
    }

    [Fact]
    public async Task ExportAtSnapshotsOfAResumedRunEqualThoseOfAnUninterruptedRun()
    {
        var whole = Path.Combine(_dir, "whole");
        var store = new FileSystemCheckpointStore(Path.Combine(_dir, "ckpt-whole"));
        var a = new EquiGrid.Training.Trainer(SnapshotSpec, SnapshotData(), new TrainerOptions { Store = store, TrialId = "t", Threads = 1 });
        await a.RunAsync();
        await EmbeddingExporter.ExportAsync(a, SnapshotData(), whole);

        // Killed in epoch 2 (after the epoch-1 model was kept), resumed by a second attempt with a fresh process state.
        var resumedStore = new FileSystemCheckpointStore(Path.Combine(_dir, "ckpt-resumed"));
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            new EquiGrid.Training.Trainer(SnapshotSpec, SnapshotData(), new TrainerOptions { Store = resumedStore, TrialId = "t", Threads = 1, StopAfterSteps = 7 }).RunAsync());
        var b = new EquiGrid.Training.Trainer(SnapshotSpec, SnapshotData(), new TrainerOptions { Store = resumedStore, TrialId = "t", Threads = 1, Attempt = 2 });
        await b.RunAsync();
        var resumed = Path.Combine(_dir, "resumed");
        await EmbeddingExporter.ExportAsync(b, SnapshotData(), resumed);

        foreach (var file in new[] { "embeddings.npy", "epochs/e1/embeddings.npy", "epochs/e1/embeddings_before_final.npy", "epochs/e3/embeddings.npy" })
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(whole, "embeddings", file)), await File.ReadAllBytesAsync(Path.Combine(resumed, "embeddings", file)));
    }

    [Fact]
    public async Task SmilesMissingFromTheDataFileComeFromThePropertiesTableBesideIt()
    {
        // The on-hand QM9 file has no SMILES lines; its sibling qm9_properties_union.csv(.xz) has them by gdb id.
        var dataDir = Path.Combine(_dir, "qm9");
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(Path.Combine(dataDir, "qm9_properties_union.csv"), "gdb_id,smiles,mu\n1,C,0\n2,CC,0\n4,,0\n");
        var spec = new TrialSpec { LSet = "0", Hidden = 2, Epochs = 1, Seed = 2, BatchSize = 8, Layers = 0, DataPath = Path.Combine(dataDir, "qm9_u0_subset.xyz.xz") };
        var data = new TrainingData(SyntheticMolecules.Create(5, seed: 4), m => SyntheticMolecules.RadiusGraph(m));
        var trainer = new EquiGrid.Training.Trainer(spec, data, new TrainerOptions { Threads = 1 });
        await trainer.RunAsync();
        await EmbeddingExporter.ExportAsync(trainer, data, Path.Combine(_dir, "out"));
        using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "out", "embeddings", "embeddings.json")));
        // gdb 1..5: 1 and 2 from the table, 3 and 5 not in it, 4 listed without a SMILES: exported empty, never an error.
        Assert.Equal(new[] { "C", "CC", "", "", "" }, meta.RootElement.GetProperty("smiles").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(EmbeddingExporter.SmilesBeside(null));
        Assert.Null(EmbeddingExporter.SmilesBeside(Path.Combine(_dir, "elsewhere", "x.xyz")));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(-0.3)]
    public void ExportAtOutsideZeroToOneIsRejectedNamingTheField(double bad)
    {
        var e = Assert.Throws<ArgumentException>(() => new EquiGrid.Training.Trainer(SnapshotSpec with { ExportAt = [bad] }, SnapshotData()));
        Assert.Contains("export_at", e.Message);
    }

    [Fact]
    public void ExportAtFractionsMapToEpochsByCeiling()
    {
        Assert.Equal(new[] { 9, 30 }, ExportSchedule.Epochs(SnapshotSpec with { Epochs = 30, ExportAt = [0.3, 1.0] }));
        Assert.Equal(new[] { 30, 100 }, ExportSchedule.Epochs(SnapshotSpec with { Epochs = 100, ExportAt = [1.0, 0.3, 0.3] }));
        Assert.Equal(new[] { 1 }, ExportSchedule.Epochs(SnapshotSpec with { Epochs = 2, ExportAt = [0.01] }));
        Assert.Empty(ExportSchedule.Epochs(SnapshotSpec with { ExportAt = null }));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }
}
