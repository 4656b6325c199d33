using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EquiGrid.Deploy.Tests;

/// <summary>Reads the files under deploy/ with a real YAML parser (merge keys resolved, as Docker Compose does).</summary>
internal static class DeployFiles
{
    /// <summary>The repository root (the folder holding EquiGrid.sln above the test assembly).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The deploy/ folder.</summary>
    public static string Deploy => Path.Combine(RepoRoot, "deploy");

    /// <summary>A path under deploy/.</summary>
    public static string At(params string[] parts) => Path.Combine([Deploy, .. parts]);

    /// <summary>Every YAML file under deploy/ (the Grafana dashboard is JSON and checked elsewhere).</summary>
    public static IReadOnlyList<string> AllYaml() => Directory.EnumerateFiles(Deploy, "*.*", SearchOption.AllDirectories)
        .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order().ToList();

    /// <summary>All documents of a YAML file; a syntax error is an exception naming the file, line and column.</summary>
    public static IReadOnlyList<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        try { stream.Load(new MergingParser(new Parser(reader))); }
        catch (YamlException e) { throw new InvalidDataException($"{path}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e); }
        return stream.Documents.Select(d => d.RootNode as YamlMappingNode
            ?? throw new InvalidDataException($"{path}: a document is not a mapping")).ToList();
    }

    /// <summary>The single document of a YAML file.</summary>
    public static YamlMappingNode LoadOne(string path) => Assert.Single(Load(path));

    /// <summary>Kubernetes objects of a manifest file, by kind and name.</summary>
    public static IEnumerable<(string Kind, string Name, YamlMappingNode Doc)> Objects(string path) =>
        Load(path).Select(d => (d.Str("kind")!, d.Get("metadata").Str("name")!, d));

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EquiGrid.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("EquiGrid.sln not found above the test assembly");
    }
}

/// <summary>Small navigation helpers over YamlDotNet's representation model.</summary>
internal static class YamlNav
{
    /// <summary>The child at a key path, or null.</summary>
    public static YamlNode? Get(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        }
        return node;
    }

    /// <summary>The scalar at a key path, or null.</summary>
    public static string? Str(this YamlNode? node, params string[] path) => (node.Get(path) as YamlScalarNode)?.Value;

    /// <summary>The items of the sequence at a key path (empty when absent).</summary>
    public static IEnumerable<YamlNode> Seq(this YamlNode? node, params string[] path) =>
        node.Get(path) is YamlSequenceNode s ? s.Children : [];

    /// <summary>The mapping items at a key path as strings (empty when absent).</summary>
    public static IReadOnlyDictionary<string, string?> Map(this YamlNode? node, params string[] path) =>
        node.Get(path) is YamlMappingNode m
            ? m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value)
            : new Dictionary<string, string?>();
}
