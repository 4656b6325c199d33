namespace EquiGrid.Training;

/// <summary>
/// A node's training rate: a few steps of a trial with the product's trainer, timed step by step. The silo measures
/// its CPU with it (TorchSharp, in-process); the trial runner's <c>measure</c> mode measures a GPU with it (the ILGPU
/// engine, in a child process, so a driver crash or hang costs the measurement and never the silo).
/// </summary>
public static class TrainingRate
{
    /// <summary>
    /// Trains <paramref name="trial"/> for one warm-up step and <paramref name="steps"/> timed steps on
    /// <paramref name="threads"/> threads with <paramref name="engine"/> (null: TorchSharp on the CPU); the median step
    /// rate in molecules/s, 0 when no timed step was reported.
    /// </summary>
    public static async Task<double> MeasureAsync(TrialSpec trial, int threads, TrainingEngineFactory? engine, int steps, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var spec = trial with { Epochs = 1, MaxMolecules = trial.BatchSize * (steps + 1) };
        var rates = new StepRates();
        // Stopped after the last step: the epoch's evaluation is no part of the rate and would only make the wait longer.
        var options = new TrainerOptions
        {
            Threads = threads, ReportEverySteps = 1, Progress = rates, EngineFactory = engine, StopAfterSteps = steps + 1,
        };
        try { await new Trainer(spec, TrialData.Load(spec), options).RunAsync(ct); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        return rates.Median();
    }

    /// <summary>Collects per-step rates synchronously (Progress&lt;T&gt; would post them later), the warm-up step left out.</summary>
    private sealed class StepRates : IProgress<TrainingProgress>
    {
        private readonly List<double> _rates = [];

        public void Report(TrainingProgress p)
        {
            if (!p.EpochEnd && p.Step > 1) _rates.Add(p.MoleculesPerSecond);
        }

        public double Median() => _rates.Count == 0 ? 0 : _rates.Order().ElementAt(_rates.Count / 2);
    }
}
