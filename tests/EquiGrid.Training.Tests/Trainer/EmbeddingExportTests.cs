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
        EmbeddingExporter.Export(trainer, data, _dir);

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
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }
}
