using System.Globalization;
using System.Net;
using System.Text;
using EquiGrid.Analysis.Claims;
using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Figures;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Kernels;
using ScottPlot;

namespace EquiGrid.Analysis.Report;

/// <summary>Paths written by <see cref="ReportBuilder.Build"/>.</summary>
/// <param name="Html">Self-contained HTML (images as data URIs).</param>
/// <param name="Markdown">Markdown version (images linked from the figure folder).</param>
/// <param name="FigureFolder">Folder with every figure as PNG and SVG.</param>
/// <param name="Table">The study table the report rendered.</param>
/// <param name="Claims">The study's claims as evaluated (empty when it has none).</param>
public sealed record ReportOutput(string Html, string Markdown, string FigureFolder, StudyTable Table, IReadOnlyList<ClaimResult>? Claims = null);

/// <summary>
/// Builds the study report from the study table (<see cref="StudyTable"/>, saved by <c>pull</c> or <c>run</c> from the
/// study grain): the table, the claims, the reading and the utilisation bars come from its rows' results and
/// utilisation summaries. From each trial's analysis folder beside it (<c>FOLDER/TRIAL/</c>, when there) come the
/// figures that need the embeddings: Fig. 1 per trial (joint + per-l PHATE coloured by NSPS, computed here when the
/// folder has none yet, and saved in it), the corner molecules, and the per-trial detail with the PHATE scores; plus
/// tensor-product path diagrams and learning curves.
/// </summary>
public static class ReportBuilder
{
    private const int PanelW = 460, PanelH = 400;

    /// <summary>
    /// Writes the report for a study folder (its <c>study_table.json</c> and trial folders) or a single trial folder to
    /// <paramref name="htmlPath"/> (+ .md next to it); with <paramref name="claims"/>, a Claims section checks them
    /// against the table's numbers.
    /// </summary>
    public static ReportOutput Build(string studyOrTrial, string htmlPath, Action<string>? log = null, AnalyzeOptions? analyzeOptions = null, StudyClaims? claims = null)
    {
        var input = ReportInput.Open(studyOrTrial);
        var table = input.Table;
        var trialFolders = input.Trials;
        htmlPath = Path.GetFullPath(htmlPath);
        var outDir = Path.GetDirectoryName(htmlPath)!;
        Directory.CreateDirectory(outDir);
        string stem = Path.GetFileNameWithoutExtension(htmlPath);
        var figDir = Path.Combine(outDir, stem + "_files");
        Directory.CreateDirectory(figDir);

        // The per-trial detail: the summary the figures were drawn from (with PHATE) where a folder had embeddings, else the table's.
        var details = new Dictionary<string, UtilisationSummary>();
        var curves = new List<(string, IReadOnlyList<EpochMetrics>)>();
        var figures = new List<(string Section, string Caption, FigureFiles Files)>();
        var corners = new List<CornerMolecule>();
        var lsets = new SortedDictionary<string, (LSet LSet, int Hidden)>(StringComparer.Ordinal);

        foreach (var row in table.Rows)
        {
            if (row.Result?.Utilisation is { } tableSummary) details[row.Trial] = tableSummary;
            if (TryLSet(row.Spec.LSet) is { } ls) lsets[$"{ls}|{row.Spec.Hidden}"] = (ls, row.Spec.Hidden);
            if (!trialFolders.TryGetValue(row.Trial, out var trial))
            {
                curves.Add((row.Trial, row.Result?.Epochs ?? []));
                continue;
            }
            curves.Add((trial.Name, trial.LoadCurve(row.Result)));
            var summary = trial.LoadUtilisation();
            EmbeddingSet? set = Directory.Exists(trial.EmbeddingsPath) ? trial.LoadEmbeddingsWithNsps(log: log) : null;
            string? wanted = analyzeOptions?.Split is { } sp ? AnalysisSplit.Normalise(sp) : null;
            // The trial runner's summary has no PHATE (kept cheap next to training): the figures are computed here.
            bool wantsPhate = analyzeOptions?.RunPhate ?? true;
            if (set is not null && (summary is null || wanted is not null && summary.Split != wanted || wantsPhate && summary.PhateSettings is null))
            {
                log?.Invoke(summary is null ? $"{trial.Name}: no {TrialDirectory.UtilisationFile}, analysing now"
                    : summary.PhateSettings is null && wantsPhate ? $"{trial.Name}: analysed without PHATE, analysing with PHATE now"
                    : $"{trial.Name}: analysed for split '{summary.Split}', analysing '{wanted}' now");
                summary = trial.Analyze(set, analyzeOptions, log).Summary;
            }
            if (set is null || summary is null) continue;
            details[row.Trial] = summary;
            // A lone trial folder has no study grain to have summarised it: its own analysis is its row's.
            if (input.SingleTrial && row.Result is { Utilisation: null } r)
                table = table with { Rows = [row with { Result = r with { Utilisation = summary } }] };

            var projections = trial.LoadProjections();
            if (projections.Count > 0)
            {
                var molecules = TrialDirectory.AnalysedMolecules(set, summary);
                foreach (var (key, coords) in projections)
                    if (coords.Rows != molecules.Count)
                        throw new InvalidDataException($"{trial.FullPath}: analysis/phate_{key}.csv has {coords.Rows} rows but split '{summary.Split}' of the embeddings has {molecules.Count}; re-run `equigrid analyze`");
                var finite = molecules.Nsps?.Where(double.IsFinite).ToList();
                double vmin = finite is { Count: > 0 } ? finite.Min() : 0, vmax = finite is { Count: > 0 } ? finite.Max() : 1;
                foreach (var (prefix, layer, blocks, jointR2) in new[]
                {
                    ("", "after the final block", (IReadOnlyList<BlockUtilisation>)summary.Blocks, summary.JointKnnR2),
                    (UtilisationAnalyzer.BeforeFinalPrefix, "before the final block", summary.BeforeFinal?.Blocks ?? Array.Empty<BlockUtilisation>(), summary.BeforeFinal?.JointKnnR2),
                })
                {
                    var keys = projections.Keys.Where(k => LayerKey(k, prefix) is not null).OrderBy(k => LayerKey(k, prefix) == "joint" ? -1 : int.Parse(LayerKey(k, prefix)![1..], CultureInfo.InvariantCulture)).ToList();
                    if (keys.Count == 0) continue;
                    var panels = new List<Plot>();
                    string panelTag = prefix.Length == 0 ? "" : "before final ";
                    foreach (var key in keys)
                    {
                        var coords = projections[key];
                        var local = LayerKey(key, prefix)!;
                        var c = ExtremeMolecules.Find($"{trial.Name} {panelTag}{local}", coords, molecules);
                        corners.AddRange(c);
                        string title = local == "joint" ? "joint embedding" : $"l = {local[1..]}";
                        var block = local == "joint" ? null : blocks.FirstOrDefault(b => b.L == int.Parse(local[1..], CultureInfo.InvariantCulture));
                        if (block?.StructureKnnR2 is { } r2) title += $"  (R² {r2:F2})";
                        else if (local == "joint" && jointR2 is { } jr) title += $"  (R² {jr:F2})";
                        panels.Add(PhatePanels.Panel(title, coords, molecules.Nsps, c.Select(x => x.Row).ToList(), vmin, vmax));
                    }
                    var files = FigureWriter.SaveGrid(panels, Math.Min(3, panels.Count), PanelW, PanelH, Path.Combine(figDir, $"fig1_{Safe(trial.Name)}{(prefix.Length == 0 ? "" : "_before_final")}"));
                    figures.Add(("PHATE projections", $"{trial.Name}: PHATE of the embedding {layer} (joint and each irrep order), {summary.Split} split ({molecules.Count} molecules), coloured by NSPS (grey: no SMILES); A-D mark the corner molecules.", files));
                }
            }
        }

        if (table.Rows.Any(r => r.Result?.Utilisation is not null))
        {
            figures.Add(("Utilisation", "Share of the embedding variance per irrep order, per trial.",
                FigureWriter.Save(UtilisationBars.Create(table, "Variance share per irrep order", "variance share", p => p.VarianceShare), Path.Combine(figDir, "utilisation_variance"), 760, 420)));
            if (table.Rows.Any(r => r.Result?.Utilisation?.Blocks.Any(p => p.StructureKnnR2 is not null) == true))
                figures.Add(("Utilisation", "Structure score per irrep order: leave-one-out 10-NN regression R² of NSPS from the standardised block.",
                    FigureWriter.Save(UtilisationBars.Create(table, "Structure score (k-NN R² of NSPS) per irrep order", "R²", p => p.StructureKnnR2), Path.Combine(figDir, "utilisation_structure"), 760, 420)));
        }
        foreach (var (key, (ls, h)) in lsets)
            figures.Add(("Tensor-product paths", $"Allowed tensor-product paths of an interaction block for L = {ls}, h = {h}.",
                FigureWriter.Save(TensorProductDiagram.Create(ls, h), Path.Combine(figDir, $"tp_paths_{Safe(ls.ToString())}_h{h}"), 820, 520)));
        if (curves.Any(c => c.Item2.Count > 0))
            figures.Add(("Learning curves", "Training (thick line) and validation (thin line, open circles) loss per epoch.",
                FigureWriter.Save(LearningCurves.Create(curves), Path.Combine(figDir, "learning_curves"), 760, 420)));

        var reading = ReportReading.Sentences(table);
        var verdicts = claims?.Evaluate(table) ?? [];
        if (verdicts.Count > 0) AnalysisJson.Write(Path.Combine(figDir, "claims.json"), verdicts);
        var html = RenderHtml(table.Study, table, reading, figures, corners, details);
        html = InsertBefore(html, "<h2>Reading</h2>", ClaimsReport.Html(verdicts), "</body>");
        File.WriteAllText(htmlPath, html);
        var mdPath = Path.ChangeExtension(htmlPath, ".md");
        var markdown = RenderMarkdown(table.Study, table, reading, figures, corners, outDir, details);
        markdown = InsertBefore(markdown, "## Reading\n", ClaimsReport.Markdown(verdicts), null);
        File.WriteAllText(mdPath, markdown);
        log?.Invoke($"report: {htmlPath} ({figures.Count} figures, {table.Rows.Count} trials{(verdicts.Count > 0 ? $", {verdicts.Count} claims" : "")})");
        return new ReportOutput(htmlPath, mdPath, figDir, table, verdicts);
    }

    private static string RenderHtml(string name, StudyTable table, IReadOnlyList<string> reading,
        IReadOnlyList<(string Section, string Caption, FigureFiles Files)> figures, IReadOnlyList<CornerMolecule> corners,
        IReadOnlyDictionary<string, UtilisationSummary> summaries)
    {
        string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"EquiGrid report: {name}")).Append("</title><style>")
          .Append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1400px;color:#222;padding:0 1em}")
          .Append("table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}table.corners td{text-align:left}")
          .Append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}")
          .Append("figcaption{color:#555;font-size:14px}code{font-size:13px}</style></head><body>");
        sb.Append("<h1>").Append(E($"EquiGrid report: {name}")).Append("</h1>");
        sb.Append("<h2>Study table</h2><table id=\"study-table\"><thead><tr>");
        foreach (var h in StudyTableView.Header(table)) sb.Append("<th>").Append(E(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in StudyTableView.Cells(table))
        {
            sb.Append("<tr class=\"trial\">");
            foreach (var c in row) sb.Append("<td>").Append(E(c)).Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table><p>").Append(E(StudyTableView.Legend)).Append("</p>");
        sb.Append("<h2>Reading</h2><ul>");
        foreach (var s in reading) sb.Append("<li>").Append(E(s)).Append("</li>");
        sb.Append("</ul>");
        if (summaries.Count > 0) sb.Append("<h2>Utilisation per irrep order</h2>");
        foreach (var (trial, u) in summaries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append("<h3>").Append(E(trial)).Append("</h3>");
            foreach (var t in UtilisationDetail.Tables(u))
            {
                sb.Append("<p><b>").Append(E(t.Title)).Append("</b></p><table class=\"utilisation\"><thead><tr>");
                foreach (var h in t.Header) sb.Append("<th>").Append(E(h)).Append("</th>");
                sb.Append("</tr></thead><tbody>");
                foreach (var r in t.Rows)
                {
                    sb.Append("<tr>");
                    foreach (var c in r) sb.Append("<td>").Append(E(c)).Append("</td>");
                    sb.Append("</tr>");
                }
                sb.Append("</tbody></table>");
            }
            sb.Append("<p>").Append(E(UtilisationDetail.Note(u))).Append("</p>");
        }
        foreach (var group in figures.GroupBy(f => f.Section))
        {
            sb.Append("<h2>").Append(E(group.Key)).Append("</h2>");
            foreach (var f in group)
            {
                var b64 = Convert.ToBase64String(File.ReadAllBytes(f.Files.Png));
                sb.Append("<figure><img alt=\"").Append(E(f.Caption)).Append("\" src=\"data:image/png;base64,").Append(b64).Append("\">")
                  .Append("<figcaption>").Append(E(f.Caption)).Append("</figcaption></figure>");
                if (group.Key == "PHATE projections")
                {
                    var (panelPrefix, list) = CornersOf(f.Caption, corners);
                    if (list.Count > 0)
                    {
                        // One row per panel, one column per corner: compact enough to read next to the figure.
                        sb.Append("<table class=\"corners\"><thead><tr><th>panel</th>");
                        for (int c = 0; c < 4; c++) sb.Append("<th>").Append(E($"{(char)('A' + c)} ({ExtremeMolecules.Corners[c]})")).Append("</th>");
                        sb.Append("</tr></thead><tbody>");
                        foreach (var panel in list.GroupBy(c => c.Panel))
                        {
                            sb.Append("<tr><td>").Append(E(panel.Key[panelPrefix.Length..])).Append("</td>");
                            foreach (var c in panel)
                                sb.Append("<td><code>").Append(E(c.Smiles)).Append("</code><br>id ").Append(E(c.Id)).Append(", NSPS ")
                                  .Append(c.Nsps?.ToString("F2", CultureInfo.InvariantCulture) ?? "n/a").Append("</td>");
                            sb.Append("</tr>");
                        }
                        sb.Append("</tbody></table>");
                    }
                }
            }
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static string RenderMarkdown(string name, StudyTable table, IReadOnlyList<string> reading,
        IReadOnlyList<(string Section, string Caption, FigureFiles Files)> figures, IReadOnlyList<CornerMolecule> corners, string outDir,
        IReadOnlyDictionary<string, UtilisationSummary> summaries)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# EquiGrid report: {name}").AppendLine();
        sb.AppendLine("## Study table").AppendLine().Append(StudyTableView.ToMarkdown(table)).AppendLine();
        sb.AppendLine(StudyTableView.Legend).AppendLine();
        sb.AppendLine("## Reading").AppendLine();
        foreach (var s in reading) sb.AppendLine($"- {s}");
        sb.AppendLine();
        if (summaries.Count > 0) sb.AppendLine("## Utilisation per irrep order").AppendLine();
        foreach (var (trial, u) in summaries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.AppendLine($"### {trial}").AppendLine();
            foreach (var t in UtilisationDetail.Tables(u))
            {
                sb.AppendLine($"**{t.Title}**").AppendLine();
                sb.AppendLine("| " + string.Join(" | ", t.Header) + " |");
                sb.AppendLine("|" + string.Concat(t.Header.Select(_ => "---|")));
                foreach (var r in t.Rows) sb.AppendLine("| " + string.Join(" | ", r) + " |");
                sb.AppendLine();
            }
            sb.AppendLine(UtilisationDetail.Note(u)).AppendLine();
        }
        foreach (var group in figures.GroupBy(f => f.Section))
        {
            sb.AppendLine($"## {group.Key}").AppendLine();
            foreach (var f in group)
            {
                var rel = Path.GetRelativePath(outDir, f.Files.Png).Replace('\\', '/');
                sb.AppendLine($"![{f.Caption}]({rel})").AppendLine().AppendLine($"*{f.Caption}* ([SVG]({Path.GetRelativePath(outDir, f.Files.Svg).Replace('\\', '/')}))").AppendLine();
                if (group.Key == "PHATE projections")
                {
                    var (panelPrefix, list) = CornersOf(f.Caption, corners);
                    if (list.Count == 0) continue;
                    sb.AppendLine("| panel | " + string.Join(" | ", Enumerable.Range(0, 4).Select(c => $"{(char)('A' + c)} ({ExtremeMolecules.Corners[c]})")) + " |");
                    sb.AppendLine("|---|---|---|---|---|");
                    foreach (var panel in list.GroupBy(c => c.Panel))
                        sb.AppendLine($"| {panel.Key[panelPrefix.Length..]} | " + string.Join(" | ", panel.Select(c =>
                            $"`{c.Smiles}` (id {c.Id}, NSPS {c.Nsps?.ToString("F2", CultureInfo.InvariantCulture) ?? "n/a"})")) + " |");
                    sb.AppendLine();
                }
            }
        }
        return sb.ToString();
    }

    // The claims section goes right after the study table (before the reading), or before the fallback marker.
    private static string InsertBefore(string text, string marker, string section, string? fallback)
    {
        if (section.Length == 0) return text;
        int i = text.IndexOf(marker, StringComparison.Ordinal);
        if (i < 0 && fallback is not null) i = text.LastIndexOf(fallback, StringComparison.Ordinal);
        return i < 0 ? text + section : text.Insert(i, section);
    }

    // The corner molecules drawn in one figure: its trial's panels of the same layer.
    private static (string Prefix, List<CornerMolecule> List) CornersOf(string caption, IReadOnlyList<CornerMolecule> corners)
    {
        string trialPrefix = caption.Split(':')[0] + " ";
        bool before = caption.Contains("before the final block", StringComparison.Ordinal);
        string prefix = before ? trialPrefix + "before final " : trialPrefix;
        var list = corners.Where(c => c.Panel.StartsWith(prefix, StringComparison.Ordinal)
                                      && (before || !c.Panel.StartsWith(trialPrefix + "before final ", StringComparison.Ordinal))).ToList();
        return (prefix, list);
    }

    // "joint" / "l2" for a key of the layer with this prefix ("" = after the final block), else null.
    private static string? LayerKey(string key, string prefix)
    {
        if (prefix.Length == 0) return key.StartsWith(UtilisationAnalyzer.BeforeFinalPrefix, StringComparison.Ordinal) ? null : key;
        return key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : null;
    }

    private static LSet? TryLSet(string text)
    {
        try { return LSet.Parse(text); } catch (Exception e) when (e is FormatException or ArgumentException) { return null; }
    }

    private static string Safe(string s) => new(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
