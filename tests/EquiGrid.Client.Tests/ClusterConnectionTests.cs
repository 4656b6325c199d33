using System.Diagnostics;

namespace EquiGrid.Client.Tests;

/// <summary>
/// Where the cluster verbs take their connection from: flag over environment over config file. A gateway that is not
/// host:port is refused before anything is contacted, and the refusal names the text it got, so each layer shows.
/// </summary>
public class ClusterConnectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("equigrid-connection-").FullName;

    private (int Code, string Err) Results(string config, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = CliProcess.StartInfo(["results", "grid", .. args]);
        psi.Environment.Remove("EQUIGRID_GATEWAY");
        psi.Environment["EQUIGRID_CONFIG"] = config;
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("equigrid results did not finish"); }
        return (p.ExitCode, stderr.Result.Trim());
    }

    private static void AssertRefused((int Code, string Err) r, string expected)
    {
        Assert.Equal(2, r.Code);
        var line = Assert.Single(r.Err.Split('\n'));
        Assert.StartsWith("equigrid: error: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void The_flag_wins_over_the_environment_which_wins_over_the_config_file()
    {
        var config = Path.Combine(_dir, "cluster.json");
        File.WriteAllText(config, """{"gateway": "from-file", "token": "t"}""");
        var none = new Dictionary<string, string>();
        var env = new Dictionary<string, string> { ["EQUIGRID_GATEWAY"] = "from-env" };

        AssertRefused(Results(config, none), "--gateway 'from-file': expected host:port");
        AssertRefused(Results(config, env), "--gateway 'from-env': expected host:port");
        AssertRefused(Results(config, env, "--gateway", "from-flag"), "--gateway 'from-flag': expected host:port");
        // --config names the file; a relative path is taken from the working directory.
        File.WriteAllText(Path.Combine(_dir, "other.json"), """{"gateway": "from-other-file"}""");
        AssertRefused(Results(config, none, "--config", Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_dir, "other.json"))),
            "--gateway 'from-other-file': expected host:port");
    }

    [Fact]
    public void A_config_file_that_is_not_a_json_object_is_refused_with_its_name_and_the_expected_form()
    {
        var config = Path.Combine(_dir, "broken.json");
        File.WriteAllText(config, "gateway = 10.0.0.5:30000");
        AssertRefused(Results(config, new Dictionary<string, string>()), $"{config}: not a JSON object of strings (");
        AssertRefused(Results(config, new Dictionary<string, string>()), "expected {\"gateway\": \"host:port\", \"token\": \"...\", \"blob\": \"...\"}");
    }

    [Fact]
    public void A_config_file_named_with_the_flag_must_exist_and_every_gateway_endpoint_must_be_usable()
    {
        // The environment's config names a (dead) cluster: a mistyped --config must not fall back to it.
        var config = Path.Combine(_dir, "cluster.json");
        File.WriteAllText(config, """{"gateway": "127.0.0.1:1"}""");
        var none = new Dictionary<string, string>();
        AssertRefused(Results(config, none, "--config", Path.Combine(_dir, "typo.json")), $"--config '{Path.Combine(_dir, "typo.json")}': no such file");
        AssertRefused(Results(config, none, "--config", _dir), $"--config '{_dir}': a folder, not a file");
        AssertRefused(Results(config, none, "--gateway", "127.0.0.1:99999"), "--gateway '127.0.0.1:99999': port 99999 is not in 1..65535");
        AssertRefused(Results(config, none, "--gateway", "no-such-host.invalid:30000"), "--gateway 'no-such-host.invalid:30000': host 'no-such-host.invalid' not found");
        AssertRefused(Results(config, none, "--gateway", ","), "--gateway ',': no endpoint");
    }

    /// <inheritdoc />
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
}
