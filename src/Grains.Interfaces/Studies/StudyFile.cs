using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EquiGrid.Grains.Studies;

/// <summary>One problem in a study file, located by line and column.</summary>
public sealed record StudyFileError(string File, int Line, int Column, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}: {Field}: {Message}";
}

/// <summary>A study file with one or more problems; the message lists every one as "file:line:col: field: what to fix".</summary>
public sealed class StudyFileException(IReadOnlyList<StudyFileError> errors)
    : FormatException(string.Join(Environment.NewLine, errors))
{
    /// <summary>Every problem found (the parser does not stop at the first).</summary>
    public IReadOnlyList<StudyFileError> Errors { get; } = errors;
}

/// <summary>
/// Reads a study file (YAML). Layout:
/// <code>
/// study: lset-grid            # id
/// description: free text
/// priority: 0                 # higher first
/// max_attempts: 3
/// trial:                      # values shared by every trial
///   batch_size: 32
///   max_molecules: 2000
/// trials:                     # optional explicit rows (fields over trial:), each crossed with the grid
///   - { lset: "0,1,2", hidden: 32, epochs: 100 }
///   - { lset: "0,3,4,5,6", hidden: 16, epochs: 30 }
/// grid:                       # axes; the Cartesian product (times the rows) is the set of trials
///   lsets: ["0,1,2", [0,1,2,3,4], "0,3,4,5,6"]
///   hidden: [32, 16]
///   epochs: [30, 100]
///   seeds: [1, 2, 3]
///   extra: { optimizer: [adamw] }
/// claims:                     # optional: comparisons of the study's own numbers, checked by the report
///   - id: C2
///     text: "[0,3,4,5,6] has a lower test error than [0,1,2,3,4]"
///     checks:
///       - { kind: lower, metric: test_mse_normalized, a: { lset: "0,3,4,5,6" }, b: { lset: "0,1,2,3,4" } }
/// </code>
/// A relative <c>data_path</c> is relative to the study file's folder. Every error is collected with its line, column
/// and field before anything is submitted; the definition then goes through <see cref="StudyValidator"/>, the check
/// the study grain repeats.
/// </summary>
public static class StudyFile
{
    private static readonly HashSet<string> TopKeys = ["study", "description", "priority", "max_attempts", "trial", "trials", "grid", "claims"];

    /// <summary>Largest study file accepted (bytes): thousands of rows and claims fit; a pasted data file does not.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>Reads and validates a file; relative data paths are resolved against the file's folder.</summary>
    public static (StudyDefinition Definition, IReadOnlyList<ExpandedTrial> Trials) Load(string path)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"study file '{path}' is a folder; give the study's .yaml file", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"study file '{path}' does not exist", path);
        return Parse(ReadBounded(path), Path.GetFileName(path), Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// The file's text, read no further than <see cref="MaxFileBytes"/>: a device or a pipe has no length to check
    /// beforehand, and an endless one (/dev/zero) must not exhaust memory.
    /// </summary>
    private static string ReadBounded(string path)
    {
        var name = Path.GetFileName(path);
        var buffer = new byte[MaxFileBytes + 1];
        int n = 0;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            for (int read; n < buffer.Length && (read = stream.Read(buffer, n, buffer.Length - n)) > 0;) n += read;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException and not FileNotFoundException)
        {
            throw new StudyFileException([new StudyFileError(name, 1, 1, "file", $"cannot read it ({e.Message}); check the path and its permissions")]);
        }
        if (n > MaxFileBytes)
            throw new StudyFileException([new StudyFileError(name, 1, 1, "file", $"more than {MaxFileBytes:N0} bytes; a study file may have at most {MaxFileBytes:N0} (split the study)")]);
        using var reader = new StreamReader(new MemoryStream(buffer, 0, n), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The data paths of <paramref name="trials"/> that do not exist on this machine (file or folder), each once.
    /// The CLI refuses such a study before submitting it; when the data lives only on the nodes, the check can be skipped.
    /// </summary>
    public static IReadOnlyList<string> MissingDataPaths(IEnumerable<ExpandedTrial> trials) =>
        trials.Select(t => t.Config.DataPath).OfType<string>().Distinct(StringComparer.Ordinal)
            .Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();

    /// <summary>
    /// Parses and validates YAML text; <paramref name="fileName"/> is used in messages and relative data paths are
    /// resolved against <paramref name="baseDirectory"/> when it is given.
    /// </summary>
    public static (StudyDefinition Definition, IReadOnlyList<ExpandedTrial> Trials) Parse(string yaml, string fileName = "study.yaml", string? baseDirectory = null)
    {
        var errors = new List<StudyFileError>();
        void Error(YamlNode? node, string field, string message) =>
            errors.Add(new StudyFileError(fileName, node is null ? 1 : (int)node.Start.Line, node is null ? 1 : (int)node.Start.Column, field, message));

        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new StudyFileException([new StudyFileError(fileName, (int)e.Start.Line, (int)e.Start.Column, "yaml", e.InnerException?.Message ?? e.Message)]);
        }
        catch (InvalidOperationException)
        {
            // The representation model gives up without a position on some unterminated flow collections
            // ("key: [1, 2" then more keys); the parser's last event says where the document stopped making sense.
            var mark = parser.Current?.End ?? Mark.Empty;
            throw new StudyFileException([new StudyFileError(fileName, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column), "yaml",
                "syntax error: the document ends inside a structure here; check for an unclosed '[', '{' or quote")]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new StudyFileException([new StudyFileError(fileName, 1, 1, "study", "the file must be a mapping with 'study:', 'trial:' and 'grid:' keys")]);
        // A second document (after '---') would be ignored without a word: two studies pasted into one file.
        if (stream.Documents.Skip(1).FirstOrDefault(d => d.RootNode is not YamlScalarNode { Value: null or "" }) is { } extra)
            throw new StudyFileException([new StudyFileError(fileName, (int)extra.RootNode.Start.Line, (int)extra.RootNode.Start.Column, "yaml",
                "a second YAML document (after '---'); a study file holds one study: put the other in its own file")]);
        // Every key must be a plain name (the sections below read keys as text): "[1]: x" or "{a: 1}: x" is a typo.
        if (NonScalarKeys(root) is { Count: > 0 } badKeys)
            throw new StudyFileException(badKeys.Select(k => new StudyFileError(fileName, (int)k.Start.Line, (int)k.Start.Column, "yaml",
                "a key must be a plain name such as 'hidden', not a list or a mapping; check this line's brackets and ':'")).ToList());

        string? id = null; string? description = null; int priority = 0, maxAttempts = 3;
        var baseConfig = new TrialSpec { LSet = "0", Hidden = 1 };
        bool hasLSet = false, hasHidden = false;
        var axes = new List<GridAxis>();
        var rows = new List<TrialRow>();
        var claims = new List<StudyClaim>();
        YamlNode? gridNode = null, rowsNode = null, claimsNode = null;
        string Resolve(string field, string text) =>
            field == "data_path" && baseDirectory is not null && text.Trim().Length > 0 && !Path.IsPathRooted(text.Trim())
                ? Path.GetFullPath(Path.Combine(baseDirectory, text.Trim())) : text;

        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!TopKeys.Contains(key)) { Error(keyNode, key, $"unknown key; expected one of {string.Join(", ", TopKeys)}"); continue; }
            switch (key)
            {
                case "study":
                    id = Scalar(value, "study", Error);
                    if (id is not null && !StudyValidator.IsValidId(id)) Error(value, "study", $"'{id}' is not a valid id; use letters, digits, '.', '-' or '_' (at most 64)");
                    break;
                case "description": description = Scalar(value, key, Error); break;
                case "priority": priority = IntScalar(value, key, -1000, 1000, Error) ?? 0; break;
                case "max_attempts": maxAttempts = IntScalar(value, key, 1, 100, Error) ?? 3; break;
                case "trial":
                    if (value is not YamlMappingNode trial) { Error(value, "trial", "expected a mapping of trial fields"); break; }
                    foreach (var (fk, fv) in trial.Children)
                    {
                        var name = ((YamlScalarNode)fk).Value ?? "";
                        var field = TrialFields.Canonical(name);
                        if (field is null || field != name) { Error(fk, $"trial.{name}", $"unknown field; known: {string.Join(", ", TrialFields.Names)}"); continue; }
                        var text = ValueText(fv, $"trial.{name}", Error);
                        if (text is null) continue;
                        text = Resolve(field, text);
                        try { baseConfig = TrialFields.Apply(baseConfig, field, text); }
                        catch (FormatException e) { Error(fv, $"trial.{name}", e.Message); continue; }
                        hasLSet |= field == "lset"; hasHidden |= field == "hidden";
                    }
                    break;
                case "grid":
                    gridNode = value;
                    if (value is not YamlMappingNode grid) { Error(value, "grid", "expected a mapping of axes, e.g. hidden: [32, 16]"); break; }
                    foreach (var (ak, av) in grid.Children)
                    {
                        var name = ((YamlScalarNode)ak).Value ?? "";
                        if (name == "extra") { ReadExtra(av, axes, Error); continue; }
                        var field = TrialFields.Canonical(name);
                        if (field is null) { Error(ak, $"grid.{name}", $"unknown axis; known: {string.Join(", ", TrialFields.Names)} (plural 'lsets'/'seeds' accepted) or extra"); continue; }
                        if (axes.Any(a => a.Field == field)) { Error(ak, $"grid.{name}", "the axis is given twice"); continue; }
                        var values = ReadAxisValues(av, field, $"grid.{name}", Error)?.Select(v => Resolve(field, v)).ToList();
                        if (values is null) continue;
                        axes.Add(new GridAxis(field, values));
                        hasLSet |= field == "lset"; hasHidden |= field == "hidden";
                    }
                    break;
                case "trials":
                    rowsNode = value;
                    if (value is not YamlSequenceNode rowList || rowList.Children.Count == 0) { Error(value, "trials", "expected a non-empty list of rows, e.g. - { lset: \"0,1,2\", hidden: 32 }"); break; }
                    if (rowList.Children.Count > StudyExpansion.MaxTrials) { Error(value, "trials", $"{rowList.Children.Count} rows; at most {StudyExpansion.MaxTrials}"); break; }
                    for (int r = 0; r < rowList.Children.Count; r++)
                        if (ReadRow(rowList.Children[r], $"trials[{r + 1}]", Resolve, Error) is { } row) rows.Add(row);
                    break;
                case "claims":
                    claimsNode = value;
                    if (value is not YamlSequenceNode claimList) { Error(value, "claims", "expected a list of claims, each with id, text and checks"); break; }
                    if (claimList.Children.Count > StudyValidator.MaxClaims) { Error(value, "claims", $"{claimList.Children.Count} claims; at most {StudyValidator.MaxClaims}"); break; }
                    for (int c = 0; c < claimList.Children.Count; c++)
                        if (ClaimsSection.Read(claimList.Children[c], c, Error) is { } claim) claims.Add(claim);
                    break;
            }
        }
        // A row may set the L-set and hidden size itself; then every row must (the base has no real value for them).
        if (rows.Count > 0)
        {
            hasLSet |= rows.All(r => r.Fields.ContainsKey("lset"));
            hasHidden |= rows.All(r => r.Fields.ContainsKey("hidden"));
        }
        if (id is null && !errors.Any(e => e.Field == "study")) Error(root, "study", "missing: give the study an id, e.g. 'study: lset-grid'");
        if (!hasLSet && !errors.Any(e => e.Field is "grid.lsets" or "trial.lset" || e.Field.StartsWith("trials", StringComparison.Ordinal)))
            Error(gridNode ?? root, "grid.lsets", "no L-set: give 'lsets: [\"0,1,2\"]' under grid:, 'lset:' under trial: or in every row of trials:");
        if (!hasHidden && !errors.Any(e => e.Field is "grid.hidden" or "trial.hidden" || e.Field.StartsWith("trials", StringComparison.Ordinal)))
            Error(gridNode ?? root, "grid.hidden", "no hidden size: give 'hidden: [32]' under grid:, under trial: or in every row of trials:");
        if (errors.Count > 0) throw new StudyFileException(errors);

        var definition = new StudyDefinition
        {
            Id = id!, Description = description, Priority = priority, MaxAttempts = maxAttempts, Base = baseConfig, Axes = axes, Rows = rows, Claims = claims,
        };
        try
        {
            return (definition, StudyValidator.Validate(definition));
        }
        catch (ArgumentException e)
        {
            // Point at the section the message names (the validator works on the definition, not the text).
            var at = e.Message.StartsWith("claims", StringComparison.Ordinal) ? claimsNode
                : e.Message.StartsWith("trials", StringComparison.Ordinal) || e.Message.StartsWith("trial ", StringComparison.Ordinal) ? rowsNode ?? gridNode
                : e.Message.StartsWith("description", StringComparison.Ordinal) ? root : gridNode;
            at ??= root;
            var field = e.Message.Split(':', 2)[0];
            var message = e.Message.Contains(':') ? e.Message.Split(':', 2)[1].Trim() : e.Message;
            throw new StudyFileException([new StudyFileError(fileName, (int)at.Start.Line, (int)at.Start.Column, field, message)]);
        }
    }

    /// <summary>Every mapping key in the document that is not a scalar (each shared node visited once: aliases).</summary>
    private static List<YamlNode> NonScalarKeys(YamlNode root)
    {
        var found = new List<YamlNode>();
        var seen = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<YamlNode>([root]);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (!seen.Add(node)) continue;
            if (node is YamlMappingNode map)
                foreach (var (k, v) in map.Children)
                {
                    if (k is not YamlScalarNode) found.Add(k);
                    pending.Push(v);
                }
            else if (node is YamlSequenceNode seq)
                foreach (var c in seq.Children) pending.Push(c);
        }
        return found.OrderBy(k => k.Start.Line).ThenBy(k => k.Start.Column).ToList();
    }

    private static TrialRow? ReadRow(YamlNode node, string label, Func<string, string, string> resolve, Action<YamlNode?, string, string> error)
    {
        if (node is not YamlMappingNode map) { error(node, label, "expected a mapping of trial fields, e.g. { lset: \"0,1,2\", hidden: 32 }"); return null; }
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var probe = new TrialSpec { LSet = "0", Hidden = 1 };
        bool ok = true;
        foreach (var (k, v) in map.Children)
        {
            var name = ((YamlScalarNode)k).Value ?? "";
            if (name == "extra")
            {
                if (v is not YamlMappingNode extra) { error(v, $"{label}.extra", "expected a mapping, e.g. extra: { optimizer: adamw }"); ok = false; continue; }
                foreach (var (ek, ev) in extra.Children)
                {
                    var key = ((YamlScalarNode)ek).Value ?? "";
                    var text = Scalar(ev, $"{label}.extra.{key}", error);
                    if (text is null) { ok = false; continue; }
                    fields[StudyExpansion.ExtraPrefix + key] = text;
                }
                continue;
            }
            var field = TrialFields.Canonical(name);
            if (field is null || field != name) { error(k, $"{label}.{name}", $"unknown field; known: {string.Join(", ", TrialFields.Names)} or extra"); ok = false; continue; }
            var value = ValueText(v, $"{label}.{name}", error);
            if (value is null) { ok = false; continue; }
            value = resolve(field, value);
            try { TrialFields.Apply(probe, field, value); fields[field] = value; }
            catch (FormatException e) { error(v, $"{label}.{name}", e.Message); ok = false; }
        }
        if (fields.Count == 0 && ok) { error(node, label, "an empty row; give at least one field"); return null; }
        return ok ? new TrialRow(fields) : null;
    }

    private static void ReadExtra(YamlNode node, List<GridAxis> axes, Action<YamlNode?, string, string> error)
    {
        if (node is not YamlMappingNode map) { error(node, "grid.extra", "expected a mapping of extra axes, e.g. extra: { optimizer: [adamw] }"); return; }
        foreach (var (k, v) in map.Children)
        {
            var name = ((YamlScalarNode)k).Value ?? "";
            var field = StudyExpansion.ExtraPrefix + name;
            if (v is not YamlSequenceNode seq || seq.Children.Count == 0) { error(v, $"grid.extra.{name}", "expected a non-empty list of values"); continue; }
            var values = new List<string>();
            foreach (var item in seq.Children)
            {
                var text = Scalar(item, $"grid.extra.{name}", error);
                if (text is null) continue;
                if (text.Length == 0 || text.Length > 64 || text.Contains('/') || text.Any(char.IsWhiteSpace))
                    error(item, $"grid.extra.{name}", $"value '{text}' must be 1..64 characters without '/' or spaces");
                else values.Add(text);
            }
            axes.Add(new GridAxis(field, values));
        }
    }

    private static List<string>? ReadAxisValues(YamlNode node, string field, string label, Action<YamlNode?, string, string> error)
    {
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0) { error(node, label, "expected a non-empty list, e.g. [32, 16]"); return null; }
        var values = new List<string>();
        var ok = true;
        var probe = new TrialSpec { LSet = "0", Hidden = 1 };
        foreach (var item in seq.Children)
        {
            var text = ValueText(item, label, error);
            if (text is null) { ok = false; continue; }
            try { TrialFields.Apply(probe, field, text); values.Add(text); }
            catch (FormatException e) { error(item, label, e.Message); ok = false; }
        }
        return ok ? values : null;
    }

    /// <summary>A scalar as text, or a sequence of scalars joined with commas (so an L-set may be written [0,1,2]).</summary>
    internal static string? ValueText(YamlNode node, string label, Action<YamlNode?, string, string> error)
    {
        if (node is YamlScalarNode s) return s.Value ?? "";
        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
            return string.Join(",", seq.Children.Select(c => ((YamlScalarNode)c).Value));
        error(node, label, "expected a value");
        return null;
    }

    internal static string? Scalar(YamlNode node, string label, Action<YamlNode?, string, string> error)
    {
        if (node is YamlScalarNode s) return s.Value ?? "";
        error(node, label, "expected a single value");
        return null;
    }

    private static int? IntScalar(YamlNode node, string label, int min, int max, Action<YamlNode?, string, string> error)
    {
        var text = Scalar(node, label, error);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            error(node, label, $"'{text}' must be an integer in {min}..{max}");
            return null;
        }
        return v;
    }
}
