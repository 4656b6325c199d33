using EquiGrid.Checkpoints;
using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Trainer;

public class TrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-trainer-" + Guid.NewGuid().ToString("N"));

    private static readonly TrialSpec Spec = new()
    {
        LSet = "0,1", Hidden = 3, Epochs = 2, Seed = 5, BatchSize = 8, Layers = 1, CheckpointEverySteps = 2,
    };

    private static TrainingData Data() =>
        new(SyntheticMolecules.Create(60, seed: 17), m => SyntheticMolecules.RadiusGraph(m));

    private static TrainerOptions Options(ICheckpointStore? store = null, long? stopAfter = null) =>
        new() { Store = store, TrialId = "t", Threads = 1, StopAfterSteps = stopAfter };

    [Theory]
    [InlineData(3)]
    [InlineData(8)] // the generated per-path tensor-product code
    public async Task SameSpecAndSeedGiveBitIdenticalWeights(int hidden)
    {
        var spec = Spec with { Hidden = hidden };
        var a = await new EquiGrid.Training.Trainer(spec, Data(), Options()).RunAsync();
        var b = await new EquiGrid.Training.Trainer(spec, Data(), Options()).RunAsync();
        Assert.Equal(a.WeightsSha256, b.WeightsSha256);
        Assert.Equal(a.TestMseNormalized, b.TestMseNormalized);
        Assert.Equal(2, a.Epochs.Count);
        var c = await new EquiGrid.Training.Trainer(spec with { Seed = 6 }, Data(), Options()).RunAsync();
        Assert.NotEqual(a.WeightsSha256, c.WeightsSha256);
    }

    // Hidden 3 runs the fused kernel's table steps; hidden 8 (output channels in 8s) its generated per-path code.
    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    public async Task WeightsDoNotDependOnTheKernelThreadCount(int hidden)
    {
        // Batches of 30 radius-graph molecules: several hundred edges, so the fused kernel splits its work into chunks.
        var spec = Spec with { BatchSize = 30, Epochs = 1, Hidden = hidden };
        var one = await new EquiGrid.Training.Trainer(spec, Data(), Options()).RunAsync();
        var two = await new EquiGrid.Training.Trainer(spec, Data(), Options() with { Threads = 2 }).RunAsync();
        Assert.Equal(one.WeightsSha256, two.WeightsSha256);
        Assert.Equal(one.TestMseNormalized, two.TestMseNormalized);
    }

    [Fact]
    public async Task TrainingReducesTheLoss()
    {
        var result = await new EquiGrid.Training.Trainer(Spec with { Epochs = 4, LearningRate = 5e-3 }, Data(), Options()).RunAsync();
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss, $"loss went {result.Epochs[0].TrainLoss} -> {result.Epochs[^1].TrainLoss}");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)] // the generated per-path tensor-product code
    public async Task ResumedRunMatchesUninterruptedRunExactly(int hidden)
    {
        var spec = Spec with { Hidden = hidden };
        var uninterrupted = await new EquiGrid.Training.Trainer(spec, Data(), Options()).RunAsync();
        var store = new DirectoryCheckpointStore(_dir);
        // 60 molecules -> 48 train -> 6 batches per epoch; stop mid-epoch 1 (step 9), after the step-8 checkpoint.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EquiGrid.Training.Trainer(spec, Data(), Options(store, stopAfter: 9)).RunAsync());
        Assert.Equal(8, (await store.ListAsync("t"))[0].Step);
        var resumed = await new EquiGrid.Training.Trainer(spec, Data(), Options(store) with { Attempt = 2 }).RunAsync();
        Assert.Equal(uninterrupted.WeightsSha256, resumed.WeightsSha256);
        Assert.Equal(uninterrupted.TestMseNormalized, resumed.TestMseNormalized);
        Assert.Equal(uninterrupted.Epochs.Select(e => (e.TrainLoss, e.ValLoss)), resumed.Epochs.Select(e => (e.TrainLoss, e.ValLoss)));
    }

    [Fact]
    public async Task CorruptLatestCheckpointFallsBackToThePreviousOne()
    {
        var store = new DirectoryCheckpointStore(_dir);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EquiGrid.Training.Trainer(Spec, Data(), Options(store, stopAfter: 5)).RunAsync());
        var list = await store.ListAsync("t");
        Assert.Equal(new long[] { 4, 2 }, list.Select(c => c.Step));
        var latest = Path.Combine(_dir, list[0].Location);
        var bytes = await File.ReadAllBytesAsync(latest);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(latest, bytes);
        await Assert.ThrowsAsync<CheckpointCorruptException>(() => store.LoadAsync(list[0]));

        var log = new StringWriter();
        var uninterrupted = await new EquiGrid.Training.Trainer(Spec, Data(), Options()).RunAsync();
        var resumed = await new EquiGrid.Training.Trainer(Spec, Data(), Options(store) with { Log = log }).RunAsync();
        Assert.Contains("skipping checkpoint step 4", log.ToString());
        Assert.Contains("resuming t from step 2", log.ToString());
        Assert.Equal(uninterrupted.WeightsSha256, resumed.WeightsSha256);
    }

    [Fact]
    public async Task TheGrainsListDecidesTheResumePointAndFallsBackToAnOlderVerifiedCheckpoint()
    {
        var uninterrupted = await new EquiGrid.Training.Trainer(Spec, Data(), Options()).RunAsync();
        // Two stores interrupted the same way (checkpoints at steps 4 and 2), one per case: resuming writes new checkpoints.
        async Task<(DirectoryCheckpointStore Store, string Root, IReadOnlyList<CheckpointRef> List)> Interrupted(string name)
        {
            var root = Path.Combine(_dir, name);
            var store = new DirectoryCheckpointStore(root);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EquiGrid.Training.Trainer(Spec, Data(), Options(store, stopAfter: 5)).RunAsync());
            var list = await store.ListAsync("t");
            Assert.Equal(new long[] { 4, 2 }, list.Select(c => c.Step));
            return (store, root, list);
        }

        // The grain's pointer is at step 2 (step 4 was never committed to it): the store's newer checkpoint is ignored.
        var pointer = await Interrupted("pointer");
        var log = new StringWriter();
        var resumed = await new EquiGrid.Training.Trainer(Spec, Data(), Options(pointer.Store) with { Log = log, ResumeFrom = [pointer.List[1]], Attempt = 2 }).RunAsync();
        Assert.Contains("resuming t from step 2", log.ToString());
        Assert.Equal(uninterrupted.WeightsSha256, resumed.WeightsSha256);

        // The grain's newest checkpoint is corrupt: the attempt falls back to the older one the grain also kept.
        var corrupt = await Interrupted("corrupt");
        var latest = Path.Combine(corrupt.Root, corrupt.List[0].Location);
        var bytes = await File.ReadAllBytesAsync(latest);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(latest, bytes);
        log = new StringWriter();
        resumed = await new EquiGrid.Training.Trainer(Spec, Data(), Options(corrupt.Store) with { Log = log, ResumeFrom = corrupt.List, Attempt = 2 }).RunAsync();
        Assert.Contains("skipping checkpoint step 4", log.ToString());
        Assert.Contains("resuming t from step 2", log.ToString());
        Assert.Equal(uninterrupted.WeightsSha256, resumed.WeightsSha256);
    }

    [Fact]
    public async Task AResumedRunWritesTheWholeMetricsLogToAnEmptyFolder()
    {
        // A resumed attempt on another node starts with an empty analysis folder: metrics.jsonl must still list every epoch.
        var spec = Spec with { Epochs = 2 };
        var store = new DirectoryCheckpointStore(_dir);
        var first = Path.Combine(_dir, "first");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EquiGrid.Training.Trainer(spec, Data(), Options(store, stopAfter: 9) with { MetricsDirectory = first }).RunAsync());
        var second = Path.Combine(_dir, "second");
        await new EquiGrid.Training.Trainer(spec, Data(), Options(store) with { MetricsDirectory = second, Attempt = 2 }).RunAsync();
        var epochs = File.ReadLines(Path.Combine(second, "metrics.jsonl")).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!)
            .Where(n => (string?)n["type"] == "epoch").Select(n => (int)n["epoch"]!).ToList();
        Assert.Equal([0, 1], epochs);
    }

    [Fact]
    public async Task MetricsLogHasEachEpochAndTheTestLineOnceAfterRetriedAttempts()
    {
        var store = new DirectoryCheckpointStore(Path.Combine(_dir, "ckpt"));
        var metrics = Path.Combine(_dir, "export");
        // Attempt 1 stops mid-epoch 1 (after epoch 0's line); attempt 2 resumes and trains to the end; attempt 3 is a
        // retry after a completion that failed: it resumes from the final checkpoint and only evaluates.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new EquiGrid.Training.Trainer(Spec, Data(), Options(store, stopAfter: 9) with { MetricsDirectory = metrics }).RunAsync());
        await new EquiGrid.Training.Trainer(Spec, Data(), Options(store) with { Attempt = 2, MetricsDirectory = metrics }).RunAsync();
        var reports = new Recorder();
        var final = await new EquiGrid.Training.Trainer(Spec, Data(), Options(store) with
        {
            Attempt = 3, MetricsDirectory = metrics, Progress = reports,
        }).RunAsync();
        Assert.Empty(reports.Seen); // a final checkpoint completes without a training step
        Assert.Equal(2, final.Epochs.Count);
        var types = File.ReadAllLines(Path.Combine(metrics, "metrics.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => e.GetProperty("type").GetString() == "epoch" ? $"epoch {e.GetProperty("epoch").GetInt32()}" : e.GetProperty("type").GetString())
            .ToList();
        Assert.Equal(["epoch 0", "epoch 1", "test"], types); // before: the test line twice
    }

    [Fact]
    public void BadSpecsAreRejectedWithTheField()
    {
        Assert.Contains("epochs", Assert.Throws<ArgumentException>(() => new EquiGrid.Training.Trainer(Spec with { Epochs = 0 }, Data())).Message);
        Assert.Contains("order 0", Assert.Throws<ArgumentException>(() => new EquiGrid.Training.Trainer(Spec with { LSet = "1,2" }, Data())).Message);
        Assert.Contains("L-set", Assert.ThrowsAny<Exception>(() => new EquiGrid.Training.Trainer(Spec with { LSet = "0,0" }, Data())).Message);
    }

    [Fact]
    public async Task RetentionKeepsTheNewestCheckpoints()
    {
        var store = new DirectoryCheckpointStore(_dir, retain: 2, grace: TimeSpan.Zero);
        for (int s = 1; s <= 4; s++) await store.SaveAsync("r", 1, s, new byte[] { (byte)s });
        var list = await store.ListAsync("r");
        Assert.Equal(new long[] { 4, 3 }, list.Select(c => c.Step));
        Assert.False(File.Exists(Path.Combine(_dir, CheckpointLayout.Name("r", 1, 1))));
        Assert.Equal(new byte[] { 4 }, await store.LoadAsync(list[0]));
    }

    [Fact]
    public async Task RetentionKeepsOlderCheckpointsForTheGracePeriod()
    {
        // The grain commits a checkpoint after the child wrote it: steps 1 and 2 may be all it has committed yet.
        var store = new DirectoryCheckpointStore(_dir, retain: 2, grace: TimeSpan.FromHours(1));
        for (int s = 1; s <= 4; s++) await store.SaveAsync("g", 1, s, new byte[] { (byte)s });
        Assert.Equal(new long[] { 4, 3, 2, 1 }, (await store.ListAsync("g")).Select(c => c.Step));
        // Past the grace period an old checkpoint goes at the next save; a young one beyond the retention stays.
        File.SetLastWriteTimeUtc(Path.Combine(_dir, CheckpointLayout.Name("g", 1, 1)), DateTime.UtcNow.AddHours(-2));
        await store.SaveAsync("g", 1, 5, new byte[] { 5 });
        Assert.Equal(new long[] { 5, 4, 3, 2 }, (await store.ListAsync("g")).Select(c => c.Step));
        Assert.False(File.Exists(Path.Combine(_dir, CheckpointLayout.Name("g", 1, 1))));
    }

    /// <summary>Records progress reports on the trainer's thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Recorder : IProgress<TrainingProgress>
    {
        public readonly List<TrainingProgress> Seen = [];
        public void Report(TrainingProgress value) => Seen.Add(value);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
