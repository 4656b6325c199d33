using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Report;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Tests.Utilisation;

public class StudyTableTests
{
    private static UtilisationSummary Summary() => new()
    {
        Trial = "t",
        Irreps = "4x0e+4x3o",
        Molecules = 10,
        StructureTarget = "nsps",
        AblationStatus = "available",
        Blocks = new[]
        {
            new BlockUtilisation { L = 0, Irreps = "4x0e", Dim = 4, VarianceShare = 0.25, StructureKnnR2 = 0.9, StructureShare = 1.0,
                Ablation = new[] { new LayerValue("final", 0.5), new LayerValue("block_2", 0.1) }, AblationMaxDelta = 0.5, AblationMaxLayer = "final" },
            new BlockUtilisation { L = 3, Irreps = "4x3o", Dim = 28, VarianceShare = 0.75, StructureKnnR2 = -0.1, StructureShare = 0 },
        },
        BeforeFinal = new LayerUtilisation
        {
            Layer = "before_final",
            Blocks = new[]
            {
                new BlockUtilisation { L = 0, Irreps = "4x0e", Dim = 4, StructureKnnR2 = 0.8, StructureShare = 0.8 },
                new BlockUtilisation { L = 3, Irreps = "4x3o", Dim = 28, StructureKnnR2 = 0.2, StructureShare = 0.2 },
            },
        },
        Snapshots = new[]
        {
            new EpochStructure { Epoch = 3, Epochs = 10, Fraction = 0.3, Layer = "final", Blocks = new[] { new EpochBlockStructure(0, 0.7, 0.7, 1.0), new EpochBlockStructure(3, -0.2, 0.1, 0) } },
        },
    };

    [Fact]
    public void The_study_table_renders_per_l_cells_from_its_rows_and_round_trips_in_the_contracts_json()
    {
        var result = new TrialResult { Spec = new TrialSpec { LSet = "0,3", Hidden = 4, Epochs = 2 }, Parameters = 99, TestMseNormalized = 0.3, TestMaeEv = 1, TestRmseEv = 2, Utilisation = Summary() };
        var table = new StudyTable
        {
            Study = "s",
            Status = StudyStatus.Running,
            Rows =
            [
                new StudyTableRow { TrialId = "s/t", Spec = result.Spec, Status = TrialStatus.Completed, Attempts = 1, Result = result },
                new StudyTableRow { TrialId = "s/u", Spec = new TrialSpec { LSet = "0,1", Hidden = 8, Epochs = 3 }, Status = TrialStatus.Failed, Attempts = 3, Error = "boom" },
            ],
        };
        Assert.Equal(["t", "u"], table.Rows.Select(r => r.Trial));
        Assert.Equal(new[] { 0, 3 }, StudyTableView.Orders(table));
        var md = StudyTableView.ToMarkdown(table);
        Assert.Contains("| t | [0,3] | 4 | 2 | 99 | 0.300 | 1.000 | 2.000 | 25.0% / 0.90 / 0.80 | 75.0% / -0.10 / 0.20 | +0.5 (final) | n/a |", md);
        Assert.Contains("| u | [0,1] | 8 | 3 | n/a | n/a | n/a | n/a | – | – | n/a | n/a |", md);

        // One JSON form: what `results --json` prints, `pull` and `run` save, and the report reads.
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, StudyTable.FileName);
        ContractJson.Write(path, table, indented: true);
        var json = File.ReadAllText(path);
        Assert.Contains("\"trial_id\": \"s/t\"", json);
        Assert.Contains("\"status\": \"completed\"", json);
        Assert.Contains("\"status\": \"failed\"", json);
        Assert.Contains("\"status\": \"running\"", json); // the study's own
        Assert.Contains("The study was still running when its table was saved: 1 of 2 trials completed.", ReportReading.Sentences(table));
        Assert.Contains("u: no result (failed).", ReportReading.Sentences(table));
        Assert.Contains("\"test_mse_normalized\": 0.3", json);
        Assert.Contains("\"irreps\": \"4x0e+4x3o\"", json); // readable: '+' not escaped
        Assert.Null(System.Text.Json.Nodes.JsonNode.Parse(json)!["rows"]![0]!["trial"]); // the name is derived from the id, not stored twice
        var back = ContractJson.Read<StudyTable>(path);
        Assert.Equal(ContractJson.Serialize(table), ContractJson.Serialize(back));
        File.WriteAllText(path, "{\"study\": \"s\"}");
        Assert.Contains("not a StudyTable", Assert.Throws<InvalidDataException>(() => ContractJson.Read<StudyTable>(path)).Message);
    }

    [Fact]
    public void Utilisation_summary_round_trips_through_its_file_in_the_contracts_json()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "utilisation.json");
        var dir = new TrialDirectory(Path.GetDirectoryName(path)!);
        var set = SyntheticEmbeddings.Create(10, LSet.Of(0, 3), 4, [0], seed: 1);
        dir.SaveAnalysis(new TrialAnalysis(Summary(), new Dictionary<string, RowMatrix>(), set), set);
        var back = dir.LoadUtilisation()!;
        Assert.Equal(ContractJson.Serialize(Summary()), ContractJson.Serialize(back));
        Assert.Contains("\"structure_knn_r2\": -0.1", File.ReadAllText(path));
        File.WriteAllText(path, "{ not json");
        Assert.Contains("not a UtilisationSummary", Assert.Throws<InvalidDataException>(() => dir.LoadUtilisation()).Message);
    }
}
