using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace EquiGrid.Deploy.Tests;

/// <summary>
/// The alert rules are well formed and cover the four failure kinds; promtool (Debian's prometheus package, installed by
/// scripts/test.sh) validates them and the Prometheus configuration. That every metric they use is exported by a live
/// silo is checked in EquiGrid.Grains.Tests (TelemetryTests), beside the same check for the Grafana dashboard.
/// </summary>
public class PrometheusRulesTests
{
    private static readonly string Rules = DeployFiles.At("prometheus", "alerts.yml");

    [Fact]
    public void Every_rule_has_an_expression_a_severity_and_a_summary_and_the_four_failure_kinds_are_covered()
    {
        var rules = DeployFiles.LoadOne(Rules).Seq("groups").SelectMany(g => g.Seq("rules")).ToList();
        foreach (var r in rules)
        {
            var name = r.Str("alert");
            Assert.False(string.IsNullOrEmpty(name), "a rule without an alert name (recording rules do not belong here)");
            Assert.False(string.IsNullOrWhiteSpace(r.Str("expr")), $"{name}: no expr");
            Assert.Contains(r.Str("labels", "severity"), new[] { "info", "warning", "critical" });
            Assert.False(string.IsNullOrWhiteSpace(r.Str("annotations", "summary")), $"{name}: no summary");
        }
        string Expr(string alert) => rules.Single(r => r.Str("alert") == alert).Str("expr")!;
        Assert.Contains("equigrid_node_heartbeat_age_seconds", Expr("EquiGridNodeHeartbeatLost"));
        Assert.Contains("equigrid_attempts_failed_total", Expr("EquiGridTrialFailingRepeatedly"));
        Assert.Contains("equigrid_progress_reports_total", Expr("EquiGridNoTrainingProgress"));
        Assert.Contains("equigrid_checkpoints_save_failed_total", Expr("EquiGridCheckpointSaveFailures"));
        Assert.Contains("equigrid_checkpoints_corrupt_total", Expr("EquiGridCorruptCheckpoints"));
        Assert.Contains("job=\"equigrid-silos\"", Expr("EquiGridSiloDown"));
        var job = DeployFiles.LoadOne(DeployFiles.At("prometheus.yml")).Seq("scrape_configs").Single().Str("job_name");
        Assert.Equal("equigrid-silos", job);
    }

    [PromtoolFact]
    public void Promtool_accepts_the_rules_and_the_local_cluster_configuration()
    {
        Assert.Contains("SUCCESS", Promtool("check", "rules", Rules));
        // check config also loads the rule files it names (deploy/prometheus.yml -> prometheus/alerts.yml).
        var config = Promtool("check", "config", DeployFiles.At("prometheus.yml"));
        Assert.Contains("SUCCESS", config);
        Assert.Contains("alerts.yml", config);
    }

    [PromtoolFact]
    public void Promtool_rejects_a_broken_rule_so_the_check_above_can_fail()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"equigrid-broken-rules-{Guid.NewGuid():N}.yml");
        File.WriteAllText(broken, "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(equigrid_x_total[5m]) > \n");
        try { Assert.Throws<Xunit.Sdk.XunitException>(() => Promtool("check", "rules", broken)); }
        finally { File.Delete(broken); }
    }

    private static string Promtool(params string[] args)
    {
        var psi = new ProcessStartInfo(PromtoolFactAttribute.Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var text = output.Result + error;
        if (p.ExitCode != 0) throw new Xunit.Sdk.XunitException($"promtool {string.Join(' ', args)} exited {p.ExitCode}:\n{text}");
        return text;
    }
}

/// <summary>A test that needs promtool; skipped, with the reason, where it is not installed (scripts/test.sh installs it).</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    /// <summary>promtool's path, or null.</summary>
    public static readonly string? Path = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);

    /// <summary>Skips when promtool is missing.</summary>
    public PromtoolFactAttribute()
    {
        if (Path is null) Skip = "promtool not installed (apt-get install prometheus; scripts/test.sh does)";
    }
}
