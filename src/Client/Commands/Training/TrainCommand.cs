using System.CommandLine;
using EquiGrid.Checkpoints;
using EquiGrid.Client.Cli;
using EquiGrid.Training;
using EquiGrid.Training.Gpu;

namespace EquiGrid.Client.Commands.Training;

/// <summary><c>equigrid train</c>: one trial on this machine, with checkpoints, resuming when its output folder has some.</summary>
public static class TrainCommand
{
    // The options' defaults are the spec's (TrialSpec's initialisers); only h has a verb default of its own.
    private static readonly TrialSpec Defaults = new() { LSet = "0,1,2", Hidden = 16 };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var l = new Option<string>("--l") { Description = "L-set, e.g. 0,1,2 or 0,3,4,5,6", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden multiplicity h", DefaultValueFactory = _ => Defaults.Hidden };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => Defaults.Epochs };
        var seed = new Option<int>("--seed") { Description = "Seed for init, split and batch order", DefaultValueFactory = _ => Defaults.Seed };
        var maxMolecules = new Option<int?>("--max-molecules") { Description = "Cap on training molecules" };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => Defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "AdamW learning rate", DefaultValueFactory = _ => Defaults.LearningRate };
        var layers = new Option<int>("--layers") { Description = "num_layers", DefaultValueFactory = _ => Defaults.Layers };
        var data = new Option<string?>("--data") { Description = "QM9 file or directory (default: the shipped subset)" };
        var graph = new Option<string>("--graph") { Description = "bond (reference) or radius", DefaultValueFactory = _ => Defaults.Graph };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Checkpoint every N steps (and at epoch ends)", DefaultValueFactory = _ => Defaults.CheckpointEverySteps };
        var device = new Option<string>("--device")
        {
            Description = "auto (a GPU when this machine has one, else the CPU), cpu (TorchSharp) or gpu (ILGPU on CUDA; fails without one)",
            DefaultValueFactory = _ => Defaults.Device,
        };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var outDir = new Option<string>("--out") { Description = "Output folder: result.json, metrics.jsonl, checkpoints/", Required = true };
        var export = new Option<bool>("--export-embeddings") { Description = "Write embeddings/ (embeddings.npy, embeddings.json, ablation.json) for the analysis" };
        var json = CliApp.JsonOption();
        var cmd = new Command("train", "Train one trial locally (resumes from the output folder's latest valid checkpoint)")
        {
            l, hidden, epochs, seed, maxMolecules, batch, lr, layers, data, graph, checkpointEvery, device, threads, outDir, export, json,
        };
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async token =>
        {
            var spec = new TrialSpec
            {
                LSet = parse.GetValue(l)!, Hidden = parse.GetValue(hidden), Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed),
                MaxMolecules = parse.GetValue(maxMolecules), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr),
                Layers = parse.GetValue(layers), DataPath = parse.GetValue(data), Graph = parse.GetValue(graph) ?? Defaults.Graph,
                CheckpointEverySteps = parse.GetValue(checkpointEvery), Device = parse.GetValue(device) ?? Defaults.Device,
            };
            var engine = DeviceSelection.For(spec.Device); // before loading data: a bad or unavailable device fails at once
            var dir = OutputFolder(parse.GetValue(outDir), spec);
            // Load (and so check) the data before anything is written: bad input leaves no empty output folder behind.
            var trainingData = TrialData.Load(spec);
            Directory.CreateDirectory(dir);
            // Two trainers in one folder would write over each other's checkpoints and metrics.
            using var exclusive = CliApp.LockFolder(dir, "--out", "train");
            bool asJson = parse.GetValue(json);
            var progress = new ConsoleTrainingProgress(asJson ? Console.Error : Console.Out);
            var trainer = new Trainer(spec, trainingData, new TrainerOptions
            {
                Store = new DirectoryCheckpointStore(Path.Combine(dir, "checkpoints")),
                TrialId = spec.Name,
                Progress = progress,
                Log = Console.Error,
                Threads = parse.GetValue(threads),
                MetricsDirectory = dir,
                EngineFactory = engine,
            });
            var result = await trainer.RunAsync(token);
            progress.Finish();
            if (parse.GetValue(export))
            {
                await EmbeddingExporter.ExportAsync(trainer, trainingData, dir, ct: token);
                Console.Error.WriteLine($"wrote {Path.Combine(dir, "embeddings")}");
            }
            ContractJson.Write(Path.Combine(dir, "result.json"), result);
            if (asJson) CliApp.WriteJson(result);
            else
            {
                Console.WriteLine($"{spec.Name}: {result.Parameters:N0} parameters, test MSE (normalised) {result.TestMseNormalized:F4}, MAE {result.TestMaeEv:F3} eV, RMSE {result.TestRmseEv:F3} eV");
                Console.WriteLine($"wrote {Path.Combine(dir, "result.json")}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>
    /// The full path of <c>--out</c>; a usage error when it is a file or holds the result of another trial (training there
    /// would overwrite that trial's result.json and metrics.jsonl). The same trial again resumes or rewrites its own.
    /// </summary>
    internal static string OutputFolder(string? text, TrialSpec spec)
    {
        var dir = CliApp.FolderPath(text, "--out");
        var resultPath = Path.Combine(dir, "result.json");
        if (!File.Exists(resultPath)) return dir;
        TrialSpec? previous;
        try { previous = ContractJson.Read<TrialResult>(resultPath).Spec; }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or IOException) { previous = null; }
        if (previous is not null && SameTrial(previous, spec)) return dir;
        throw new UserInputException($"--out '{text}' holds the result of {(previous is null ? "an unreadable trial" : $"another trial ({Differences(previous, spec)})")}; " +
            "give a new --out folder, or delete its result.json to train there anyway");
    }

    // How often checkpoints are written and on which device do not change what a trial computes.
    private static bool SameTrial(TrialSpec a, TrialSpec b) => Comparable(a).Equals(Comparable(b));

    private static TrialSpec Comparable(TrialSpec s) =>
        TrialFields.Apply(s, "lset", s.LSet) with { CheckpointEverySteps = 1, Device = TrainingDevices.Auto };

    private static string Differences(TrialSpec stored, TrialSpec asked)
    {
        var old = TrialFields.Values(Comparable(stored)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var diff = TrialFields.Values(Comparable(asked)).Where(kv => old[kv.Key] != kv.Value).Select(kv => $"{kv.Key} {old[kv.Key] ?? "unset"}, not {kv.Value ?? "unset"}");
        return string.Join("; ", diff.DefaultIfEmpty(stored.Name));
    }
}

/// <summary>Progress lines: a bar redrawn in place on a terminal, one plain line per report when redirected.</summary>
internal sealed class ConsoleTrainingProgress(TextWriter writer) : IProgress<TrainingProgress>
{
    private readonly bool _terminal = writer == Console.Out ? !Console.IsOutputRedirected : !Console.IsErrorRedirected;
    private bool _dirty;

    public void Report(TrainingProgress p)
    {
        double fraction = p.TotalSteps == 0 ? 0 : (double)p.Step / p.TotalSteps;
        var val = p.ValLoss is double v ? $" val {v:F4}" : "";
        var text = $"epoch {p.Epoch + 1} step {p.Step}/{p.TotalSteps} loss {p.TrainLoss:F4}{val} {p.MoleculesPerSecond:F1} mol/s";
        if (_terminal)
        {
            int width = 30, filled = (int)(fraction * width);
            writer.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {text}   ");
            _dirty = true;
            if (p.EpochEnd) { writer.WriteLine(); _dirty = false; }
        }
        else writer.WriteLine(text);
    }

    public void Finish()
    {
        if (_dirty) writer.WriteLine();
    }
}
