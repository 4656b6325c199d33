using System.Text.Json.Nodes;
using EquiGrid.Silo.Results;

namespace EquiGrid.Grains.Tests;

/// <summary>A resumed attempt's metrics.jsonl is completed from result.json's epoch history before upload.</summary>
public class MetricsLogCompletionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("equigrid-metrics-").FullName;

    private const string Result = """
        {"parameters":42,"epochs":[{"epoch":0,"train_loss":1.5,"val_loss":1.75,"seconds":3.25},{"epoch":1,"train_loss":1.25,"val_loss":1.5,"seconds":2.5},{"epoch":2,"train_loss":1.125,"val_loss":1.375,"seconds":2.75}]}
        """;

    private const string Test = """{"type":"test","mse":0.5,"mae_ev":7.5,"rmse_ev":9.5}""";

    private static string Epoch(int e, double train, int step) => $$"""{"type":"epoch","epoch":{{e}},"train_loss":{{train}},"val_loss":1,"seconds":1,"step":{{step}}}""";

    private string[] Run(params string[] metricsLines)
    {
        File.WriteAllText(Path.Combine(_dir, "result.json"), Result);
        File.WriteAllLines(Path.Combine(_dir, "metrics.jsonl"), metricsLines);
        MetricsLogCompletion.Complete(_dir);
        return File.ReadAllLines(Path.Combine(_dir, "metrics.jsonl"));
    }

    [Fact]
    public void Epochs_run_before_the_resume_are_added_from_result_json_in_order_before_the_test_line()
    {
        var lines = Run(Epoch(2, 1.125, 30), Test); // resumed in epoch 2 on a fresh node
        Assert.Equal(4, lines.Length);
        var e0 = JsonNode.Parse(lines[0])!;
        Assert.Equal(("epoch", 0, 1.5, 1.75), (e0["type"]!.GetValue<string>(), e0["epoch"]!.GetValue<int>(), e0["train_loss"]!.GetValue<double>(), e0["val_loss"]!.GetValue<double>()));
        Assert.Equal(1, JsonNode.Parse(lines[1])!["epoch"]!.GetValue<int>());
        Assert.Equal(Epoch(2, 1.125, 30), lines[2]); // the attempt's own line is kept (it has the step)
        Assert.Equal(Test, lines[3]);
    }

    [Fact]
    public void A_complete_log_is_left_byte_for_byte_and_a_re_run_epoch_keeps_its_last_line()
    {
        string[] complete = [Epoch(0, 1.5, 10), Epoch(1, 1.25, 20), Epoch(2, 1.125, 30), Test];
        Assert.Equal(complete, Run(complete));
        // Resumed on the same node mid-epoch 1: epoch 1 was written twice; the later line is the one that counts.
        Assert.Equal(complete, Run(Epoch(0, 1.5, 10), Epoch(1, 9.0, 20), Epoch(1, 1.25, 20), Epoch(2, 1.125, 30), Test));
    }

    /// <inheritdoc />
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
}
