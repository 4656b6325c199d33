using EquiGrid.Checkpoints;
using EquiGrid.Training.Tests;

namespace EquiGrid.Training.Gpu.Tests;

/// <summary>
/// Whole trials through the <see cref="Trainer"/>: the ILGPU engine (on ILGPU's CPU accelerator here) against the
/// TorchSharp path with the same spec, seed, split and batch order, and checkpoints moving between the two.
/// </summary>
[Collection(AcceleratorCollection.Name)]
public class TrainingEquivalenceTests(AcceleratorFixture fixture) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-gpu-trainer-" + Guid.NewGuid().ToString("N"));

    // 40 tiny molecules -> 32 training molecules -> 4 batches per epoch; 2 epochs; checkpoints every 3 steps.
    private static readonly TrialSpec Spec = new()
    {
        LSet = "0,1,2", Hidden = 3, Epochs = 2, Seed = 5, BatchSize = 8, Layers = 1, AtomDim = 8, Basis = 6,
        LearningRate = 5e-3, CheckpointEverySteps = 3,
    };

    private static TrainingData Data() =>
        new(SyntheticMolecules.Create(40, seed: 17, minAtoms: 3, maxAtoms: 5), m => SyntheticMolecules.RadiusGraph(m, cutoff: 2.5));

    private TrainerOptions Options(bool gpu, ICheckpointStore? store = null, long? stopAfter = null, int attempt = 1) => new()
    {
        Store = store, TrialId = "t", Threads = 1, StopAfterSteps = stopAfter, Attempt = attempt,
        EngineFactory = gpu ? (model, _) => new IlgpuTrainingEngine(model, fixture.Accelerator, ownsAccelerator: false) : null,
    };

    [Fact]
    public async Task AShortTrainingEndsAtTheSameLosses()
    {
        var cpu = await new Trainer(Spec, Data(), Options(gpu: false)).RunAsync();
        var gpu = await new Trainer(Spec, Data(), Options(gpu: true)).RunAsync();
        AssertSameTraining(cpu, gpu);
        Assert.True(cpu.Epochs[^1].TrainLoss < cpu.Epochs[0].TrainLoss, "the reference run must actually train for the comparison to mean something");
    }

    [Fact]
    public async Task ATrialBegunOnTorchSharpResumesOnIlgpuAndTheOtherWayRound()
    {
        var uninterrupted = await new Trainer(Spec, Data(), Options(gpu: false)).RunAsync();

        // TorchSharp -> ILGPU: stop after step 4 (the step-3 checkpoint is the latest), resume on the ILGPU engine.
        var store = new DirectoryCheckpointStore(Path.Combine(_dir, "a"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Trainer(Spec, Data(), Options(gpu: false, store, stopAfter: 4)).RunAsync());
        Assert.Equal(3, (await store.ListAsync("t"))[0].Step);
        var resumedOnGpu = await new Trainer(Spec, Data(), Options(gpu: true, store, attempt: 2)).RunAsync();
        AssertSameTraining(uninterrupted, resumedOnGpu);

        // ILGPU -> TorchSharp: stop mid-epoch 1 (after step 7; latest checkpoint: step 6), resume on TorchSharp.
        store = new DirectoryCheckpointStore(Path.Combine(_dir, "b"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Trainer(Spec, Data(), Options(gpu: true, store, stopAfter: 7)).RunAsync());
        Assert.Equal(6, (await store.ListAsync("t"))[0].Step);
        var resumedOnCpu = await new Trainer(Spec, Data(), Options(gpu: false, store, attempt: 2)).RunAsync();
        AssertSameTraining(uninterrupted, resumedOnCpu);
    }

    [Fact]
    public async Task ACheckpointIgnoresTheDeviceTheTrialAskedFor()
    {
        var store = new DirectoryCheckpointStore(Path.Combine(_dir, "c"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Trainer(Spec with { Device = "gpu" }, Data(), Options(gpu: true, store, stopAfter: 4)).RunAsync());
        var log = new StringWriter();
        await new Trainer(Spec with { Device = "cpu" }, Data(), Options(gpu: false, store, attempt: 2) with { Log = log }).RunAsync();
        Assert.Contains("resuming t from step 3", log.ToString());
    }

    // Float32 sums run in other orders on the two paths; after 8 AdamW steps the losses still agree to ~1e-4.
    private static void AssertSameTraining(TrialResult expected, TrialResult actual)
    {
        Assert.Equal(expected.Epochs.Count, actual.Epochs.Count);
        for (int e = 0; e < expected.Epochs.Count; e++)
        {
            AssertClose(expected.Epochs[e].TrainLoss, actual.Epochs[e].TrainLoss, $"epoch {e} train loss");
            AssertClose(expected.Epochs[e].ValLoss, actual.Epochs[e].ValLoss, $"epoch {e} validation loss");
        }
        AssertClose(expected.TestMseNormalized, actual.TestMseNormalized, "test MSE");
        Assert.Equal(expected.Parameters, actual.Parameters);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-3 * Math.Max(1e-3, Math.Abs(expected)), $"{what}: TorchSharp {expected}, ILGPU {actual}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
