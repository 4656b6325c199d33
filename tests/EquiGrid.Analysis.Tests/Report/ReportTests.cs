using System.Diagnostics;
using System.Text.RegularExpressions;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Report;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Analysis.Utilisation;

namespace EquiGrid.Analysis.Tests.Report;

/// <summary>One synthetic two-trial study and its report, built once for all report tests.</summary>
public sealed class ReportFixture : IDisposable
{
    public ReportFixture()
    {
        Root = Directory.CreateTempSubdirectory("eg-report-").FullName;
        // The second trial's ablation.json as the trainer writes it (one entry with only the error: delta = error - baseline).
        var ablation = ContractJson.Deserialize<AblationFile>("""
            {"metric": "test_mse_normalized", "baseline": 0.05,
             "ablation": [{"layer": "block_0", "l": 0, "delta": 0.4}, {"layer": "final", "l": 0, "error": 0.9},
                          {"layer": "block_0", "l": 3, "delta": 0.001}, {"layer": "final", "l": 3, "delta": 0.0},
                          {"layer": "block_0", "l": 4, "delta": 0.2}, {"layer": "final", "l": 4, "delta": 0.0}],
             "attribution": [{"layer": "final", "l": 0, "value": 0.8}]}
            """, "ablation");
        Study = SyntheticStudy.Write(Path.Combine(Root, "study"), new SyntheticStudy.Trial[]
        {
            new("L0-1-2_h4", "0,1,2", 4, new[] { 0 }, 0.2),
            new("L0-3-4_h4", "0,3,4", 4, new[] { 0, 4 }, 0.05, Ablation: ablation),
        }, molecules: 300, seed: 1);
        Output = ReportBuilder.Build(Study, Path.Combine(Root, "out", "report.html"), null, new AnalyzeOptions { Phate = PhateOptions.ReferenceStudy with { Seed = 2 } });
    }

    public string Root { get; }
    public string Study { get; }
    public ReportOutput Output { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}

public class ReportTests(ReportFixture fx) : IClassFixture<ReportFixture>
{
    [Fact]
    public void Report_has_one_table_row_per_trial_and_embedded_figures()
    {
        var html = File.ReadAllText(fx.Output.Html);
        Assert.Equal(2, Regex.Matches(html, "<tr class=\"trial\">").Count);
        // Fig. 1 per trial, two utilisation bar charts, two TP diagrams, learning curves.
        Assert.Equal(7, Regex.Matches(html, "src=\"data:image/png;base64,").Count);
        Assert.DoesNotContain("src=\"http", html);
        var md = File.ReadAllText(fx.Output.Markdown);
        Assert.Contains("| L0-3-4_h4 | [0,3,4] |", md);
        foreach (var png in Directory.GetFiles(fx.Output.FigureFolder, "*.png"))
        {
            Assert.True(new FileInfo(png).Length > 1000, png);
            Assert.True(File.Exists(Path.ChangeExtension(png, ".svg")), png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        }
    }

    [Fact]
    public void Analysis_written_during_report_finds_the_encoding_blocks_and_reading_says_so()
    {
        var u = new TrialDirectory(Path.Combine(fx.Study, "L0-3-4_h4")).LoadUtilisation()!;
        Assert.True(u.Blocks.Single(b => b.L == 4).StructureKnnR2 > 0.9);
        Assert.True(u.Blocks.Single(b => b.L == 3).StructureKnnR2 < 0.2);
        var html = File.ReadAllText(fx.Output.Html);
        Assert.Contains("L0-1-2_h4: l=1,2 carry 0% of the structure score", html);
        Assert.Contains("Lowest test MSE (normalised): L0-3-4_h4", html);
        Assert.Contains("L0-1-2_h4: ablation and attribution not available", html);
        Assert.Contains("L0-3-4_h4: largest change of the test error (test_mse_normalized) when one order is zeroed after one block: l=0 +0.85 (final), l=3 +0.001 (block 0), l=4 +0.2 (block 0).", html);
        // The final block's l > 0 entries are zero by construction: marked as such, never listed as a finding.
        Assert.Contains("0 (structural)", html);
        Assert.Contains("PHATE: knn 10, decay 40, t auto", html);
        Assert.Contains("300 molecules of the all split", html);
        Assert.Equal(0.2, u.Blocks.Single(b => b.L == 4).Ablation!.Single().Value);
        Assert.Null(u.Blocks.Single(b => b.L == 4).Attribution);
        Assert.True(File.Exists(Path.Combine(fx.Study, "L0-3-4_h4", "analysis", "phate_l4.csv")));
    }

    [ChromiumFact]
    public void Report_opens_in_headless_chromium_with_every_image_loaded()
    {
        const string chromium = ChromiumFactAttribute.Binary;
        // A copy of the report with a probe script that writes what the browser loaded into the title.
        var probe = Path.Combine(Path.GetDirectoryName(fx.Output.Html)!, "probe.html");
        var html = File.ReadAllText(fx.Output.Html).Replace("</body>",
            "<script>window.addEventListener('load',()=>{const im=[...document.images];" +
            "document.title='IMAGES '+im.length+' LOADED '+im.filter(i=>i.complete&&i.naturalWidth>0).length+" +
            "' ROWS '+document.querySelectorAll('#study-table tbody tr').length;});</script></body>");
        File.WriteAllText(probe, html);
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A profile of its own: the default one is shared with any other chromium on the machine (another test run at
        // the same time), whose profile lock can make this one hand the page over to it and exit without a DOM.
        var profile = Directory.CreateDirectory(Path.Combine(fx.Root, "chromium-profile-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", $"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", new Uri(probe).AbsoluteUri })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        // Bounded: reading stdout to its end first would wait forever on a chromium that hangs.
        if (!p.WaitForExit(120_000)) { p.Kill(entireProcessTree: true); Assert.Fail("chromium did not exit within 120 s"); }
        var dom = stdout.Result;
        var m = Regex.Match(dom, @"<title>IMAGES (\d+) LOADED (\d+) ROWS (\d+)</title>");
        Assert.True(m.Success, "probe did not run; chromium stderr: " + stderr.Result.Split('\n').LastOrDefault(l => l.Length > 0));
        Assert.Equal("7", m.Groups[1].Value);
        Assert.Equal(m.Groups[1].Value, m.Groups[2].Value);
        Assert.Equal("2", m.Groups[3].Value);
    }

    [Fact]
    public void The_report_renders_the_study_table_not_the_folder_listing()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var study = SyntheticStudy.Write(Path.Combine(dir, "study"), [new SyntheticStudy.Trial("A_h4", "0,1", 4, [0], 0.2), new SyntheticStudy.Trial("B_h4", "0,2", 4, [0], 0.3)], molecules: 60, seed: 4, study: "tab");
        var tablePath = Path.Combine(study, StudyTable.FileName);
        var table = ContractJson.Read<StudyTable>(tablePath);
        // The grain's table says what the trials are: a changed number shows, a failed trial without a folder has its
        // row, and a stray folder the table does not name is not reported.
        var a = table.Rows[0];
        table = table with
        {
            Rows = [a with { Result = a.Result! with { TestMaeEv = 7.125 } }, table.Rows[1],
                    new StudyTableRow { TrialId = "tab/C_h4", Spec = new TrialSpec { LSet = "0,3", Hidden = 4 }, Status = TrialStatus.Failed, Attempts = 3, Error = "out of memory" }],
        };
        ContractJson.Write(tablePath, table, indented: true);
        Directory.Move(Path.Combine(study, "B_h4"), Path.Combine(study, "stray"));
        var res = ReportBuilder.Build(study, Path.Combine(dir, "out", "r.html"), null, new AnalyzeOptions { RunPhate = false });
        var md = File.ReadAllText(res.Markdown);
        Assert.Contains("# EquiGrid report: tab", md);
        Assert.Contains("| A_h4 | [0,1] | 4 | 5 |", md);
        Assert.Contains("| 7.125 |", md);
        Assert.Contains("| B_h4 | [0,2] | 4 | 5 |", md); // its numbers come from the table even without its folder
        Assert.Contains("| C_h4 | [0,3] | 4 | 3 | n/a |", md);
        Assert.Contains("C_h4: no result (failed).", md);
        Assert.DoesNotContain("stray", md);
    }

    [Fact]
    public void Trial_without_embeddings_still_gets_table_row_curves_and_path_diagram()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        var trial = Path.Combine(dir, "only-result");
        Directory.CreateDirectory(trial);
        File.WriteAllText(Path.Combine(trial, "result.json"),
            """
            {"spec": {"l_set": "0,1,2", "hidden": 32, "epochs": 2}, "parameters": 1648034, "test_mse_normalized": 0.5,
             "epochs": [{"epoch": 0, "train_loss": 1.0, "val_loss": 0.9, "seconds": 1}, {"epoch": 1, "train_loss": 0.6, "val_loss": 0.55, "seconds": 1}]}
            """);
        var res = ReportBuilder.Build(trial, Path.Combine(dir, "out", "r.html"));
        var html = File.ReadAllText(res.Html);
        Assert.Single(res.Table.Rows);
        Assert.Equal(1_648_034, res.Table.Rows[0].Result!.Parameters);
        Assert.Contains("only-result: not analysed (no embeddings exported).", html);
        Assert.Equal(2, Regex.Matches(html, "src=\"data:image/png;base64,").Count); // path diagram + learning curves
    }

    [Fact]
    public void Report_of_a_folder_without_its_study_table_is_a_clear_error_naming_the_file_and_the_fix()
    {
        var empty = Directory.CreateTempSubdirectory().FullName;
        var e = Assert.Throws<FileNotFoundException>(() => ReportBuilder.Build(empty, Path.Combine(empty, "r.html")));
        Assert.Contains(Path.Combine(empty, "study_table.json"), e.Message);
        Assert.Contains("equigrid pull STUDY", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => ReportBuilder.Build(Path.Combine(empty, "nope"), Path.Combine(empty, "r.html")));
    }
}

/// <summary>A fact that is skipped, with the reason, only when no chromium binary exists (scripts/test.sh installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Binary = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Binary)) Skip = $"no chromium binary at {Binary}; install it with apt-get install -y chromium";
    }
}
