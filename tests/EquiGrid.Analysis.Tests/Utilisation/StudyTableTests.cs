using System.Text.Json;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Utilisation;

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
    public void Rows_carry_result_and_per_l_cells_and_round_trip_as_snake_case_json()
    {
        var result = new TrialResult { Spec = new TrialSpec { LSet = "0,3", Hidden = 4, Epochs = 2 }, Parameters = 99, TestMseNormalized = 0.3, TestMaeEv = 1, TestRmseEv = 2 };
        var table = new StudyTable("s", new[] { StudyTableRow.From("t", result, Summary()), StudyTableRow.From("u", null, null) });
        Assert.Equal(new[] { 0, 3 }, table.Orders);
        Assert.Equal(0.5, table.Rows[0].PerL[0].AblationMaxDelta);
        Assert.Equal("final", table.Rows[0].PerL[0].AblationMaxLayer);
        Assert.Null(table.Rows[0].PerL[1].AblationMaxDelta);
        Assert.Equal(0.2, table.Rows[0].PerL[1].StructureKnnR2BeforeFinal);
        Assert.Equal(new EpochScore(3, 10, 0.3, "final", -0.2, 0), Assert.Single(table.Rows[0].PerL[1].ByEpoch));
        var json = JsonSerializer.Serialize(table, AnalysisJson.Options);
        Assert.Contains("\"test_mse_normalized\": 0.3", json);
        Assert.Contains("\"per_l\"", json);
        var back = JsonSerializer.Deserialize<StudyTable>(json, AnalysisJson.Options)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, AnalysisJson.Options));
        var md = table.ToMarkdown();
        Assert.Contains("\"structure_knn_r2_before_final\": 0.2", json);
        Assert.Contains("\"ablation_max_delta\": 0.5", json);
        Assert.Contains("\"by_epoch\"", json);
        Assert.Contains("| t | [0,3] | 4 | 2 | 99 | 0.300 | 1.000 | 2.000 | 25.0% / 0.90 / 0.80 | 75.0% / -0.10 / 0.20 | +0.5 (final) | n/a |", md);
        Assert.Contains("| u | [?] | n/a |", md);
    }

    [Fact]
    public void Utilisation_summary_round_trips_through_its_file()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "utilisation.json");
        AnalysisJson.Write(path, Summary());
        var back = AnalysisJson.Read<UtilisationSummary>(path);
        Assert.Equal(JsonSerializer.Serialize(Summary(), AnalysisJson.Options), JsonSerializer.Serialize(back, AnalysisJson.Options));
        Assert.Contains("\"structure_knn_r2\": -0.1", File.ReadAllText(path));
        File.WriteAllText(path, "{ not json");
        Assert.Contains("not a valid UtilisationSummary", Assert.Throws<InvalidDataException>(() => AnalysisJson.Read<UtilisationSummary>(path)).Message);
    }
}
