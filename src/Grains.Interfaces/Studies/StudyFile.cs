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
/// grid:                       # axes; the Cartesian product is the set of trials
///   lsets: ["0,1,2", [0,1,2,3,4], "0,3,4,5,6"]
///   hidden: [32, 16]
///   epochs: [30, 100]
///   seeds: [1, 2, 3]
///   extra: { optimizer: [adamw] }
/// </code>
/// Every error is collected with its line, column and field before anything is submitted.
/// </summary>
public static class StudyFile
{
    private static readonly HashSet<string> TopKeys = ["study", "description", "priority", "max_attempts", "trial", "grid"];

    /// <summary>Reads and validates a file.</summary>
    public static (StudyDefinition Definition, IReadOnlyList<ExpandedTrial> Trials) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"study file '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <summary>Parses and validates YAML text; <paramref name="fileName"/> is used in messages.</summary>
    public static (StudyDefinition Definition, IReadOnlyList<ExpandedTrial> Trials) Parse(string yaml, string fileName = "study.yaml")
    {
        var errors = new List<StudyFileError>();
        void Error(YamlNode? node, string field, string message) =>
            errors.Add(new StudyFileError(fileName, node is null ? 1 : (int)node.Start.Line, node is null ? 1 : (int)node.Start.Column, field, message));

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new StudyFileException([new StudyFileError(fileName, (int)e.Start.Line, (int)e.Start.Column, "yaml", e.InnerException?.Message ?? e.Message)]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new StudyFileException([new StudyFileError(fileName, 1, 1, "study", "the file must be a mapping with 'study:', 'trial:' and 'grid:' keys")]);

        string? id = null; string? description = null; int priority = 0, maxAttempts = 3;
        var baseConfig = new TrialSpec { LSet = "0", Hidden = 1 };
        bool hasLSet = false, hasHidden = false;
        var axes = new List<GridAxis>();
        YamlNode? gridNode = null;

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
                        var values = ReadAxisValues(av, field, $"grid.{name}", Error);
                        if (values is null) continue;
                        axes.Add(new GridAxis(field, values));
                        hasLSet |= field == "lset"; hasHidden |= field == "hidden";
                    }
                    break;
            }
        }
        if (id is null && !errors.Any(e => e.Field == "study")) Error(root, "study", "missing: give the study an id, e.g. 'study: lset-grid'");
        if (!hasLSet && !errors.Any(e => e.Field is "grid.lsets" or "trial.lset")) Error(gridNode ?? root, "grid.lsets", "no L-set: give 'lsets: [\"0,1,2\"]' under grid: or 'lset:' under trial:");
        if (!hasHidden && !errors.Any(e => e.Field is "grid.hidden" or "trial.hidden")) Error(gridNode ?? root, "grid.hidden", "no hidden size: give 'hidden: [32]' under grid: or trial:");
        if (errors.Count > 0) throw new StudyFileException(errors);

        var definition = new StudyDefinition { Id = id!, Description = description, Priority = priority, MaxAttempts = maxAttempts, Base = baseConfig, Axes = axes };
        try
        {
            return (definition, StudyValidator.Validate(definition));
        }
        catch (ArgumentException e)
        {
            throw new StudyFileException([new StudyFileError(fileName, (int)(gridNode ?? root).Start.Line, (int)(gridNode ?? root).Start.Column, "grid", e.Message)]);
        }
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
    private static string? ValueText(YamlNode node, string label, Action<YamlNode?, string, string> error)
    {
        if (node is YamlScalarNode s) return s.Value ?? "";
        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
            return string.Join(",", seq.Children.Select(c => ((YamlScalarNode)c).Value));
        error(node, label, "expected a value");
        return null;
    }

    private static string? Scalar(YamlNode node, string label, Action<YamlNode?, string, string> error)
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
