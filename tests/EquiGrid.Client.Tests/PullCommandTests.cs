using System.Diagnostics;
using System.Text.Json;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Results;

namespace EquiGrid.Client.Tests;

/// <summary>A fact that needs Azurite: skipped, with the reason, only when azurite-blob is not installed.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Loopback.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/ and sets EQUIGRID_AZURITE)";
    }
}

/// <summary>The <c>pull</c> verb as a user runs it: connection-string resolution, errors, a verified download.</summary>
public class PullCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("equigrid-pull-").FullName;

    /// <summary>Runs the CLI with no blob connection in the environment and a config file that does not exist.</summary>
    private (int Code, string Out, string Err) Pull(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = CliProcess.StartInfo(["pull", .. args]);
        psi.Environment.Remove(PullCommandEnv);
        psi.Environment["EQUIGRID_CONFIG"] = Path.Combine(_root, "no-such-config.json");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("equigrid pull did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private const string PullCommandEnv = "EQUIGRID_BLOB_CONNECTION";

    private static void AssertOneLineError((int Code, string Out, string Err) r, string expected)
    {
        Assert.Equal(2, r.Code);
        var lines = r.Err.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("equigrid: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void Without_a_connection_string_it_says_where_to_give_one_and_exits_2()
    {
        var r = Pull(null, "grid", "--to", _root);
        AssertOneLineError(r, "no blob connection string: give --blob, set EQUIGRID_BLOB_CONNECTION");
    }

    [Fact]
    public void A_malformed_study_id_is_refused_before_any_connection()
    {
        var r = Pull(null, "../grid", "--blob", "UseDevelopmentStorage=true");
        AssertOneLineError(r, "study id '../grid'");
    }

    [AzuriteFact]
    public async Task Pulls_a_study_from_the_config_file_connection_and_refuses_an_unknown_one()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var trial = Path.Combine(_root, "export");
        Directory.CreateDirectory(trial);
        File.WriteAllText(Path.Combine(trial, "result.json"), "{\"trialId\":\"grid/L0-1_h4_e1_s1\"}");
        File.WriteAllBytes(Path.Combine(trial, "embeddings.npy"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        await new BlobResultsStore(azurite.ConnectionString, "pull-test").UploadTrialAsync("grid", "L0-1_h4_e1_s1", trial);
        var config = Path.Combine(_root, "cluster.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, string> { ["blob"] = azurite.ConnectionString, ["container"] = "pull-test" }));

        var unknown = Pull(null, "nope", "--config", config, "--to", _root);
        AssertOneLineError(unknown, "no analysis folders for study 'nope' in container 'pull-test'");

        var ok = Pull(null, "grid", "--config", config, "--to", Path.Combine(_root, "pulled"));
        Assert.True(ok.Code == 0, ok.Err);
        var folder = Path.Combine(_root, "pulled", "grid");
        Assert.Contains($"1 trials, 2 files", ok.Out);
        Assert.Contains($"next: equigrid report {folder} --out {Path.Combine(folder, "report.html")}", ok.Out);
        Assert.Equal(File.ReadAllBytes(Path.Combine(trial, "embeddings.npy")), File.ReadAllBytes(Path.Combine(folder, "L0-1_h4_e1_s1", "embeddings.npy")));

        // The flag wins over the config file: a container with nothing in it is "does not exist", exit 2.
        var env = new Dictionary<string, string> { [PullCommandEnv] = azurite.ConnectionString };
        AssertOneLineError(Pull(env, "grid", "--container", "empty-one", "--to", _root), "container 'empty-one' does not exist");
    }

    [AzuriteFact]
    public async Task Pull_with_report_builds_the_study_report_from_the_pulled_folders()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var store = new BlobResultsStore(azurite.ConnectionString, "pull-report");
        // Two trial folders as a worker's --export writes them (synthetic embeddings with known structure).
        var exported = SyntheticStudy.Write(Path.Combine(_root, "export"),
            [new("L0-1_h4", "0,1", 4, [0], 0.2), new("L0-1-2_h4", "0,1,2", 4, [0, 2], 0.1)], molecules: 120, seed: 3);
        foreach (var trial in Directory.GetDirectories(exported))
            await store.UploadTrialAsync("grid", Path.GetFileName(trial), trial);
        var env = new Dictionary<string, string> { [PullCommandEnv] = azurite.ConnectionString };
        var r = Pull(env, "grid", "--container", "pull-report", "--to", Path.Combine(_root, "pulled"), "--report", "--json");
        Assert.True(r.Code == 0, r.Err);
        var html = Path.Combine(_root, "pulled", "grid", "report.html");
        Assert.Contains(JsonEncodedText.Encode(html).ToString(), r.Out);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(html), "<tr class=\"trial\">").Count);
    }

    /// <inheritdoc />
    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }
}
