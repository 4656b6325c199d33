using System.Text.Json;

namespace EquiGrid.Client.Tests;

/// <summary><c>submit --dry-run</c>: the expanded trials without a cluster, and every bad study refused with exit 2 before any connection.</summary>
public class SubmitDryRunTests
{
    private static string Write(string yaml)
    {
        var dir = Directory.CreateTempSubdirectory("eg-dry-run-").FullName;
        var path = Path.Combine(dir, "s.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Dry_run_prints_every_trial_with_every_field_and_the_claims_as_json()
    {
        var path = Write("""
            study: dry
            trial: { max_molecules: 100 }
            trials:
              - { lset: "0,1,2", hidden: 8, epochs: 2 }
              - { lset: "0,3,4", hidden: 4, epochs: 1 }
            grid: { seeds: [1, 2] }
            claims:
              - id: C1
                text: "[0,3,4] has the lower error"
                checks: [ { kind: lower, metric: test_mse_normalized, a: { lset: "0,3,4" }, b: { lset: "0,1,2" } } ]
            """);
        // No gateway exists on this port: a dry run must not try to connect.
        var (code, stdout, stderr) = CliProcess.Run(120_000, "submit", "--dry-run", path, "--json", "--gateway", "127.0.0.1:1");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var trials = doc.RootElement.GetProperty("trials");
        Assert.Equal(4, trials.GetArrayLength());
        Assert.Equal("dry/L0-1-2_h8_e2_s1", trials[0].GetProperty("id").GetString());
        var fields = trials[3].GetProperty("fields");
        Assert.Equal("0,3,4", fields.GetProperty("lset").GetString());
        Assert.Equal("2", fields.GetProperty("seed").GetString());
        Assert.Equal("100", fields.GetProperty("max_molecules").GetString());
        Assert.Equal("0.001", fields.GetProperty("learning_rate").GetString());
        Assert.Equal("bond", fields.GetProperty("graph").GetString());
        var claim = doc.RootElement.GetProperty("claims")[0];
        Assert.Equal(2, claim.GetProperty("checks")[0].GetProperty("a").GetProperty("trials").GetArrayLength());

        var (tableCode, table, _) = CliProcess.Run(120_000, "submit", "--dry-run", path);
        Assert.Equal(0, tableCode);
        Assert.Contains("dry/L0-3-4_h4_e1_s2", table);
        Assert.Contains("max_molecules = 100", table);
    }

    [Theory]
    [InlineData("study: y\ngrid:\n  lsets: [\"0,1,2\", \"0,1\"\n  hidden: [8]\n", "s.yaml:3:", "unclosed")]
    [InlineData("study: y\ngrid:\n  lsets: [\"1,2\"]\n  hidden: [8]\n", "s.yaml:3:", "no order 0")]
    [InlineData("study: y\ntrial: { data_path: no/such/file.xyz }\ngrid:\n  lsets: [\"0,1\"]\n  hidden: [8]\n", "no/such/file.xyz", "--skip-data-check")]
    public void Bad_studies_exit_2_with_one_clear_message_before_connecting(string yaml, string where, string what)
    {
        var (code, stdout, stderr) = CliProcess.Run(120_000, "submit", "--dry-run", Write(yaml));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(where, stderr);
        Assert.Contains(what, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
