using System.Text.Json;
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
    public async Task Pulls_every_trial_folder_of_a_study_from_a_real_blob_store()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var store = new BlobResultsStore(azurite.ConnectionString, "pull-test");
        foreach (var trial in new[] { "L0-1_h4_e1_s1", "L0-1-2_h4_e1_s1" })
        {
            var dir = Directory.CreateTempSubdirectory("equigrid-export-").FullName;
            File.WriteAllText(Path.Combine(dir, "result.json"), $"{{\"trial\": \"{trial}\"}}");
            await store.UploadAsync($"grid/{trial}", dir);
        }
        var to = Directory.CreateTempSubdirectory("equigrid-pull-").FullName;
        var (code, output, err) = CliProcess.Run(120_000, "pull", "grid", "--blob", azurite.ConnectionString, "--container", "pull-test", "--to", to, "--json");
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["L0-1-2_h4_e1_s1", "L0-1_h4_e1_s1"], json.RootElement.GetProperty("trials").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("{\"trial\": \"L0-1_h4_e1_s1\"}", File.ReadAllText(Path.Combine(to, "grid", "L0-1_h4_e1_s1", "result.json")));

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
