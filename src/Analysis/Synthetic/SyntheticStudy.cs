using System.Text.Json.Nodes;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Synthetic;

/// <summary>
/// Writes a study folder in the layout <c>pull</c> and <c>run</c> leave from synthetic trials: one folder per trial
/// (result.json, metrics.jsonl, an embedding export whose encoding blocks are known, and the utilisation summary the
/// trial runner would compute, without PHATE) and the study table of their results (study_table.json). Used by the
/// report tests and to produce the documentation figure; every number in it is generated, never presented as a
/// training result.
/// </summary>
public static class SyntheticStudy
{
    /// <summary>
    /// One synthetic trial: its L-set, h, which orders encode NSPS, a final test MSE to write and, optionally, the
    /// ablation numbers to put beside its embeddings (<see cref="AblationFile"/>, as the trainer writes them).
    /// </summary>
    public sealed record Trial(string Name, string LSet, int Hidden, int[] Encoding, double TestMse, int Epochs = 5, AblationFile? Ablation = null);

    /// <summary>Writes the study (id <paramref name="study"/>); returns its folder.</summary>
    public static string Write(string folder, IReadOnlyList<Trial> trials, int molecules, int seed, string study = "synthetic")
    {
        Directory.CreateDirectory(folder);
        var rows = new List<StudyTableRow>();
        for (int t = 0; t < trials.Count; t++)
        {
            var tr = trials[t];
            var dir = Path.Combine(folder, tr.Name);
            Directory.CreateDirectory(dir);
            var set = SyntheticEmbeddings.Create(molecules, LSet.Parse(tr.LSet), tr.Hidden, tr.Encoding, seed + t);
            EmbeddingExport.Save(Path.Combine(dir, TrialDirectory.EmbeddingsFolder), set);
            if (tr.Ablation is { } ablation) ContractJson.Write(Path.Combine(dir, TrialDirectory.EmbeddingsFolder, AblationFile.FileName), ablation, indented: true);
            var epochs = new List<EpochMetrics>();
            var lines = new List<string>();
            for (int e = 0; e < tr.Epochs; e++)
            {
                double train = tr.TestMse * (1 + 4.0 / (e + 1)), val = tr.TestMse * (1.1 + 3.0 / (e + 1));
                epochs.Add(new EpochMetrics(e, train, val, 1.0));
                // The trainer's epoch line (Trainer.WriteEpoch): the epoch's metrics, a type and the step.
                lines.Add(new JsonObject { ["type"] = "epoch", ["epoch"] = e, ["train_loss"] = train, ["val_loss"] = val, ["seconds"] = 1.0, ["step"] = e * 10 + 10 }.ToJsonString());
            }
            var result = new TrialResult
            {
                Spec = new TrialSpec { LSet = tr.LSet, Hidden = tr.Hidden, Epochs = tr.Epochs, Seed = seed + t },
                Parameters = 1000 * tr.Hidden * tr.LSet.Split(',').Length,
                TestMseNormalized = tr.TestMse,
                TestMaeEv = Math.Sqrt(tr.TestMse) * 10.3238 * 0.8,
                TestRmseEv = Math.Sqrt(tr.TestMse) * 10.3238,
                Epochs = epochs,
            };
            ContractJson.Write(Path.Combine(dir, TrialDirectory.ResultFile), result);
            File.WriteAllLines(Path.Combine(dir, TrialDirectory.MetricsFile), lines);
            var trial = new TrialDirectory(dir);
            var summary = trial.Analyze(trial.LoadEmbeddings(), new AnalyzeOptions { RunPhate = false }).Summary;
            rows.Add(new StudyTableRow { TrialId = $"{study}/{tr.Name}", Spec = result.Spec, Status = TrialStatus.Completed, Attempts = 1, Result = result with { Utilisation = summary } });
        }
        ContractJson.Write(Path.Combine(folder, StudyTable.FileName), new StudyTable { Study = study, Status = StudyStatus.Completed, Rows = rows }, indented: true);
        return folder;
    }
}
