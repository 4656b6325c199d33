using System.Diagnostics;
using EquiGrid.LocalServers;

namespace EquiGrid.Client.Tests;

/// <summary>A fact that needs Azurite: skipped, with the reason, only when azurite-blob is not installed.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Loopback.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/ and sets EQUIGRID_AZURITE)";
    }
}

/// <summary>
/// The <c>pull</c> verb's input errors, found before anything is contacted (the download itself, which needs a cluster
/// for the study table: ClusterVerbsTests).
/// </summary>
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
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("equigrid pull did not finish"); }
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

    /// <inheritdoc />
    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }
}
