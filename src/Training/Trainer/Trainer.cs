using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiGrid.Training;

/// <summary>
/// Trains one trial deterministically: the spec's seed fixes the weight init, the split and every epoch's batch
/// order; checkpoints carry the weights, the AdamW state, the epoch and the position in its batch order, so a run
/// resumed from any checkpoint ends bit-identical to one never interrupted (same machine, same thread count).
/// </summary>
public sealed class Trainer
{
    private readonly TrialSpec _spec;
    private readonly TrainingData _data;
    private readonly TrainerOptions _options;

    /// <summary>Prepares a trial; nothing runs until <see cref="RunAsync"/>.</summary>
    public Trainer(TrialSpec spec, TrainingData data, TrainerOptions? options = null)
    {
        spec.Validate();
        ExportEpochs = ExportSchedule.Epochs(spec);
        _spec = spec;
        _data = data;
        _options = options ?? new TrainerOptions();
        Config = ModelConfig.FromSpec(spec);
        Split = DatasetSplit.Create(data.Molecules.Count, spec.Seed);
        TrainIndices = spec.MaxMolecules is int max && max < Split.Train.Length ? Split.Train[..max] : Split.Train;
    }

    /// <summary>The trial's spec.</summary>
    public TrialSpec Spec => _spec;
    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }
    /// <summary>The seeded split of the dataset.</summary>
    public DatasetSplit Split { get; }
    /// <summary>Training molecules actually used (the split's train part, capped by MaxMolecules).</summary>
    public int[] TrainIndices { get; }
    /// <summary>The trained model after <see cref="RunAsync"/> (for export and analysis).</summary>
    public EquivariantModel? Model { get; private set; }
    /// <summary>Epochs after which the model is kept for an embedding export (the spec's export_at), ascending.</summary>
    public IReadOnlyList<int> ExportEpochs { get; }

    // Snapshot payloads when there is no checkpoint store (tests, throwaway runs).
    private readonly Dictionary<int, byte[]> _snapshots = new();

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => (TrainIndices.Length + _spec.BatchSize - 1) / _spec.BatchSize;

    /// <summary>
    /// Intra-op threads of the TorchSharp ops left outside the kernels (embedding, radial features, readout, loss,
    /// AdamW): small ops whose OpenMP barriers cost far more than they save once the machine is busy (measured: a
    /// whole step 3x faster with one thread than with two at load ~50 on 2 cores). Fixed, so results never depend
    /// on it.
    /// </summary>
    public const int TorchThreads = 1;

    /// <summary>Trains to the end (resuming from the latest valid checkpoint, if any) and evaluates on the test split.</summary>
    public async Task<TrialResult> RunAsync(CancellationToken ct = default)
    {
        torch.set_num_threads(TorchThreads);
        torch.manual_seed(_spec.Seed);
        var model = new EquivariantModel(Config) { KernelThreads = _options.Threads };
        Model = model;
        var optimizer = torch.optim.AdamW(model.parameters(), lr: _spec.LearningRate, weight_decay: 0);
        var state = new TrainingState();
        var resumed = await TryResumeAsync(model, optimizer, ct);
        if (resumed is not null) state = resumed;
        // The engine takes the (initial or resumed) weights and optimiser state; checkpoints always go through the
        // TorchSharp model and optimiser, so any engine can resume any other engine's checkpoint.
        using var engine = _options.EngineFactory?.Invoke(model, optimizer) ?? new TorchSharpEngine(model, optimizer);
        engine.Load(model, optimizer);
        _options.Log?.WriteLine($"training {_options.TrialId} on {engine.Device}");

        long totalSteps = (long)BatchesPerEpoch * _spec.Epochs;
        long stepsThisProcess = 0;
        var window = Stopwatch.StartNew();
        int windowMolecules = 0;
        double lastRate = 0;
        // metrics.jsonl is rewritten on every start from the epochs the checkpoint carries, so the file is complete
        // whichever node (and folder) the resumed attempt runs on.
        using var metrics = _options.MetricsDirectory is null ? null : OpenMetrics(_options.MetricsDirectory);
        foreach (var done in state.History) WriteEpoch(metrics, done, (done.Epoch + 1L) * BatchesPerEpoch);

        while (state.Epoch < _spec.Epochs)
        {
            var order = EpochOrder(state.Epoch);
            var epochClock = Stopwatch.StartNew();
            for (int b = state.Position; b < BatchesPerEpoch; b++)
            {
                ct.ThrowIfCancellationRequested();
                var indices = order.Skip(b * _spec.BatchSize).Take(_spec.BatchSize).ToArray();
                double loss = engine.TrainStep(_data.Batch(indices));
                state.LossSum += loss;
                state.LossCount++;
                state.Step++;
                state.Position = b + 1;
                windowMolecules += indices.Length;
                stepsThisProcess++;
                if (state.Step % _options.ReportEverySteps == 0)
                {
                    lastRate = windowMolecules / Math.Max(window.Elapsed.TotalSeconds, 1e-9);
                    Report(state, totalSteps, null, lastRate, epochEnd: false);
                    window.Restart();
                    windowMolecules = 0;
                }
                if (state.Step % _spec.CheckpointEverySteps == 0 && state.Position < BatchesPerEpoch)
                    await SaveAsync(engine, model, optimizer, state, ct);
                if (_options.StopAfterSteps is long stop && stepsThisProcess >= stop)
                    throw new OperationCanceledException($"stopped after {stop} steps (test hook)");
            }
            double val = Evaluate(engine.Predict, Split.Validation).Mse;
            var epoch = new EpochMetrics(state.Epoch, state.LossSum / Math.Max(1, state.LossCount), val, epochClock.Elapsed.TotalSeconds);
            state.History.Add(epoch);
            WriteEpoch(metrics, epoch, state.Step);
            Report(state, totalSteps, val, windowMolecules > 0 ? windowMolecules / Math.Max(window.Elapsed.TotalSeconds, 1e-9) : lastRate, epochEnd: true, epoch.Seconds);
            state.Epoch++;
            state.Position = 0;
            state.LossSum = 0;
            state.LossCount = 0;
            // Before the epoch-end checkpoint: a run killed in between redoes the epoch and keeps the same model again.
            if (ExportEpochs.Contains(state.Epoch))
            {
                engine.Store(model, optimizer);
                await SaveSnapshotAsync(model, optimizer, state, ct);
            }
            await SaveAsync(engine, model, optimizer, state, ct);
        }

        var test = Evaluate(engine.Predict, Split.Test);
        engine.Store(model, optimizer);
        var result = new TrialResult
        {
            Spec = _spec,
            Parameters = model.ParameterCount,
            TestMseNormalized = test.Mse,
            TestMaeEv = test.MaeEv,
            TestRmseEv = test.RmseEv,
            Epochs = state.History.ToList(),
            WeightsSha256 = WeightsHash(model),
            Seconds = state.History.Sum(e => e.Seconds),
        };
        metrics?.WriteLine(JsonSerializer.Serialize(new { type = "test", mse = test.Mse, mae_ev = test.MaeEv, rmse_ev = test.RmseEv }));
        return result;
    }

    /// <summary>Normalised MSE, and MAE / RMSE in eV, of the model on the molecules at <paramref name="indices"/>.</summary>
    public EvaluationMetrics Evaluate(EquivariantModel model, IReadOnlyList<int> indices, IrrepAblation? ablation = null) =>
        Evaluate(batch =>
        {
            model.eval();
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            return model.ForwardDetailed(batch, ablation).Prediction.data<float>().ToArray();
        }, indices);

    private EvaluationMetrics Evaluate(Func<GraphBatch, float[]> predict, IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) return new EvaluationMetrics(double.NaN, double.NaN, double.NaN);
        double se = 0, ae = 0;
        for (int start = 0; start < indices.Count; start += _spec.BatchSize)
        {
            var chunk = indices.Skip(start).Take(_spec.BatchSize).ToArray();
            var batch = _data.Batch(chunk);
            var pred = predict(batch);
            for (int i = 0; i < pred.Length; i++)
            {
                double d = pred[i] - batch.Targets[i];
                se += d * d;
                ae += Math.Abs(d);
            }
        }
        double n = indices.Count, std = _data.Normalizer.StdEv;
        return new EvaluationMetrics(se / n, ae / n * std, Math.Sqrt(se / n) * std);
    }

    /// <summary>SHA-256 over every parameter's float32 bytes, in registration order.</summary>
    public static string WeightsHash(nn.Module model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in model.parameters())
            sha.AppendData(p.detach().contiguous().bytes);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private int[] EpochOrder(int epoch)
    {
        var order = (int[])TrainIndices.Clone();
        // One generator per (seed, epoch): the order of epoch e never depends on how epochs before it ran. The mix
        // must be stable across processes (HashCode.Combine is randomised per process, so it cannot be used here).
        new Random(unchecked(_spec.Seed * 1_000_003 + epoch * 7_919 + 0x5eed)).Shuffle(order);
        return order;
    }

    private void Report(TrainingState state, long totalSteps, double? val, double moleculesPerSecond, bool epochEnd, double? epochSeconds = null) =>
        _options.Progress?.Report(new TrainingProgress
        {
            Epoch = state.Epoch,
            Step = state.Step,
            TotalSteps = totalSteps,
            TrainLoss = state.LossSum / Math.Max(1, state.LossCount),
            ValLoss = val ?? state.History.LastOrDefault()?.ValLoss,
            MoleculesPerSecond = moleculesPerSecond,
            EpochEnd = epochEnd,
            EpochSeconds = epochSeconds,
        });

    private static StreamWriter OpenMetrics(string dir)
    {
        Directory.CreateDirectory(dir);
        return new StreamWriter(Path.Combine(dir, "metrics.jsonl"), append: false);
    }

    private static void WriteEpoch(StreamWriter? metrics, EpochMetrics epoch, long step)
    {
        if (metrics is null) return;
        metrics.WriteLine(JsonSerializer.Serialize(new { type = "epoch", epoch = epoch.Epoch, train_loss = epoch.TrainLoss, val_loss = epoch.ValLoss, seconds = epoch.Seconds, step }));
        metrics.Flush();
    }

    private async Task SaveAsync(ITrainingEngine engine, EquivariantModel model, AdamW optimizer, TrainingState state, CancellationToken ct)
    {
        if (_options.Store is null) return;
        engine.Store(model, optimizer);
        var payload = CheckpointPayload.Write(_spec, state, model, optimizer);
        await _options.Store.SaveAsync(_options.TrialId, _options.Attempt, state.Step, payload, ct);
    }

    /// <summary>Checkpoint-store key of the model kept after <paramref name="epoch"/> (a sibling of the trial's own key).</summary>
    public string SnapshotId(int epoch) => $"{_options.TrialId}.export-e{epoch}";

    private async Task SaveSnapshotAsync(EquivariantModel model, OptimizerHelper optimizer, TrainingState state, CancellationToken ct)
    {
        var payload = CheckpointPayload.Write(_spec, state, model, optimizer);
        if (_options.Store is null) _snapshots[state.Epoch] = payload;
        else await _options.Store.SaveAsync(SnapshotId(state.Epoch), _options.Attempt, state.Step, payload, ct);
    }

    /// <summary>
    /// The model as it was after <paramref name="epoch"/> (one of <see cref="ExportEpochs"/>), from the checkpoint store
    /// (whichever attempt kept it) or from memory; throws when it was never kept.
    /// </summary>
    public async Task<EquivariantModel> LoadSnapshotAsync(int epoch, CancellationToken ct = default)
    {
        if (!ExportEpochs.Contains(epoch)) throw new ArgumentException($"epoch {epoch} is not one of export_at's epochs ({string.Join(", ", ExportEpochs)})");
        var model = new EquivariantModel(Config);
        var optimizer = torch.optim.AdamW(model.parameters(), lr: _spec.LearningRate, weight_decay: 0);
        if (_snapshots.TryGetValue(epoch, out var kept))
        {
            CheckpointPayload.Read(kept, _spec, model, optimizer);
            return model;
        }
        if (_options.Store is not null)
            foreach (var reference in await _options.Store.ListAsync(SnapshotId(epoch), ct))
            {
                try
                {
                    CheckpointPayload.Read(await _options.Store.LoadAsync(reference, ct), _spec, model, optimizer);
                    return model;
                }
                catch (CheckpointCorruptException e)
                {
                    _options.Log?.WriteLine($"warning: skipping kept model {reference.Location} of {SnapshotId(epoch)}: {e.Message}");
                }
            }
        throw new InvalidOperationException($"the model after epoch {epoch} of {_options.TrialId} was not kept (no valid '{SnapshotId(epoch)}' in the checkpoint store)");
    }

    private async Task<TrainingState?> TryResumeAsync(EquivariantModel model, OptimizerHelper optimizer, CancellationToken ct)
    {
        if (_options.Store is null) return null;
        var candidates = _options.ResumeFrom ?? await _options.Store.ListAsync(_options.TrialId, ct);
        foreach (var reference in candidates)
        {
            try
            {
                var bytes = await _options.Store.LoadAsync(reference, ct);
                var state = CheckpointPayload.Read(bytes, _spec, model, optimizer);
                _options.Log?.WriteLine($"resuming {_options.TrialId} from step {reference.Step} (attempt {reference.Attempt}, epoch {state.Epoch}, batch {state.Position})");
                return state;
            }
            catch (CheckpointCorruptException e)
            {
                _options.Log?.WriteLine($"warning: skipping checkpoint step {reference.Step} of {_options.TrialId}: {e.Message}");
            }
        }
        return null;
    }
}

/// <summary>Test-set style metrics.</summary>
public sealed record EvaluationMetrics(double Mse, double MaeEv, double RmseEv);

/// <summary>Where training is: saved in every checkpoint.</summary>
internal sealed class TrainingState
{
    public int Epoch { get; set; }
    public int Position { get; set; }
    public long Step { get; set; }
    public double LossSum { get; set; }
    public int LossCount { get; set; }
    public List<EpochMetrics> History { get; set; } = new();
}
