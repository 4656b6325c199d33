using System.Text.Json.Nodes;
using EquiGrid.Analysis.Data;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Synthetic;

/// <summary>
/// Writes a study folder in the documented layout from synthetic trials (result.json, metrics.jsonl, an
/// embedding export whose encoding blocks are known). Used by the report tests and to produce the
/// documentation figure; every number in it is generated, never presented as a training result.
/// </summary>
public static class SyntheticStudy
{
    /// <summary>One synthetic trial: its L-set, h, which orders encode NSPS and a final test MSE to write.</summary>
    public sealed record Trial(string Name, string LSet, int Hidden, int[] Encoding, double TestMse, int Epochs = 5);

    /// <summary>Writes the study; returns its folder.</summary>
    public static string Write(string folder, IReadOnlyList<Trial> trials, int molecules, int seed)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, StudyDirectory.StudyFile), new JsonObject { ["name"] = "synthetic study" }.ToJsonString());
        for (int t = 0; t < trials.Count; t++)
        {
            var tr = trials[t];
            var dir = Path.Combine(folder, tr.Name);
            Directory.CreateDirectory(dir);
            var set = SyntheticEmbeddings.Create(molecules, LSet.Parse(tr.LSet), tr.Hidden, tr.Encoding, seed + t);
            EmbeddingExport.Save(Path.Combine(dir, TrialDirectory.EmbeddingsFolder), set);
            var epochs = new JsonArray();
            var lines = new List<string>();
            for (int e = 0; e < tr.Epochs; e++)
            {
                double train = tr.TestMse * (1 + 4.0 / (e + 1)), val = tr.TestMse * (1.1 + 3.0 / (e + 1));
                epochs.Add(new JsonObject { ["epoch"] = e, ["train_loss"] = train, ["val_loss"] = val, ["seconds"] = 1.0 });
                lines.Add(new JsonObject { ["epoch"] = e, ["step"] = e * 10 + 5, ["train_loss"] = train * 1.2 }.ToJsonString());
                lines.Add(new JsonObject { ["epoch"] = e, ["step"] = e * 10 + 10, ["train_loss"] = train, ["val_loss"] = val }.ToJsonString());
            }
            var result = new JsonObject
            {
                ["spec"] = new JsonObject { ["lset"] = tr.LSet, ["hidden"] = tr.Hidden, ["epochs"] = tr.Epochs, ["seed"] = seed + t },
                ["parameters"] = 1000 * tr.Hidden * tr.LSet.Split(',').Length,
                ["test_mse_normalized"] = tr.TestMse,
                ["test_mae_ev"] = Math.Sqrt(tr.TestMse) * 10.3238 * 0.8,
                ["test_rmse_ev"] = Math.Sqrt(tr.TestMse) * 10.3238,
                ["epochs"] = epochs,
            };
            File.WriteAllText(Path.Combine(dir, TrialDirectory.ResultFile), result.ToJsonString());
            File.WriteAllLines(Path.Combine(dir, TrialDirectory.MetricsFile), lines);
        }
        return folder;
    }
}
