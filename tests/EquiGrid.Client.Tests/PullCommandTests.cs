using System.Text.Json;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Results;

namespace EquiGrid.Client.Tests;

/// <summary><c>equigrid pull</c>: a cluster study's analysis folders from blob storage to this machine.</summary>
public class PullCommandTests
{
    [Fact]
    public void A_bad_connection_string_or_a_missing_config_file_is_a_one_line_usage_error()
    {
        var (code, _, err) = CliProcess.Run(60_000, "pull", "grid", "--blob", "not a connection string");
        Assert.Equal(2, code);
        Assert.StartsWith("equigrid: error: --blob:", err.Trim());
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = CliProcess.Run(60_000, "pull", "grid", "--config", Path.Combine(Path.GetTempPath(), "no-such-equigrid-config.json"));
        Assert.Equal(2, code);
        Assert.Contains("--config", err);
    }

    [AzuriteFact]
    public async Task Pulls_every_trial_folder_of_a_study_from_a_real_blob_store_and_builds_its_report()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var store = new BlobResultsStore(azurite.ConnectionString, "pull-test");
        // Two trial folders as a worker's --export writes them (synthetic embeddings with known structure).
        var exported = SyntheticStudy.Write(Directory.CreateTempSubdirectory("equigrid-export-").FullName,
            [new("L0-1_h4", "0,1", 4, [0], 0.2), new("L0-1-2_h4", "0,1,2", 4, [0, 2], 0.1)], molecules: 120, seed: 3);
        foreach (var trial in Directory.GetDirectories(exported))
            await store.UploadAsync($"grid/{Path.GetFileName(trial)}", trial);
        var to = Directory.CreateTempSubdirectory("equigrid-pull-").FullName;
        var (code, output, err) = CliProcess.Run(300_000, "pull", "grid", "--blob", azurite.ConnectionString, "--container", "pull-test", "--to", to, "--report", "--json");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["L0-1-2_h4", "L0-1_h4"], json.RootElement.GetProperty("trials").EnumerateArray().Select(e => e.GetString()));
        foreach (var file in Directory.GetFiles(Path.Combine(exported, "L0-1_h4"), "*", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(to, "grid", "L0-1_h4", Path.GetRelativePath(Path.Combine(exported, "L0-1_h4"), file))));
        var report = json.RootElement.GetProperty("report").GetString()!;
        Assert.Equal(Path.Combine(to, "grid", "report.html"), report);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(report), "<tr class=\"trial\">").Count);

        (code, _, err) = CliProcess.Run(120_000, "pull", "missing", "--blob", azurite.ConnectionString, "--container", "pull-test", "--to", to);
        Assert.Equal(2, code);
        Assert.Contains("no results for study 'missing'", err);
    }
}

/// <summary>A fact that needs Azurite: skipped, with the reason, only when azurite-blob is not installed.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Loopback.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/ and sets EQUIGRID_AZURITE)";
    }
}
