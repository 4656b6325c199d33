using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace EquiGrid.Deploy.Tests;

/// <summary>One environment variable a deploy file sets for an EquiGrid container.</summary>
/// <param name="Source">Where it is set (for failure messages).</param>
/// <param name="Name">The variable's name.</param>
/// <param name="Value">Its literal value, or null when it comes from a secret or the downward API.</param>
internal sealed record DeploySetting(string Source, string Name, string? Value)
{
    /// <summary>The configuration key the .NET host maps it to (EquiGrid__Worker__Slots = EquiGrid:Worker:Slots), or null.</summary>
    public string? ConfigurationKey => Name.Contains("__", StringComparison.Ordinal) ? Name.Replace("__", ":") : null;
}

/// <summary>Collects the environment every deploy file gives the silo and CLI containers.</summary>
internal static class DeploySettings
{
    /// <summary>Settings of the silo containers: Kubernetes base and overlays, compose, the silo Dockerfile.</summary>
    public static IReadOnlyList<DeploySetting> Silo()
    {
        var list = new List<DeploySetting>();
        foreach (var dir in new[] { "base", "overlays/cpu", "overlays/gpu" })
        {
            var k = Kustomization.Load(DeployFiles.At("kubernetes", dir));
            foreach (var (name, value) in k.ConfigMapLiterals()["equigrid-silo"]) list.Add(new($"kubernetes/{dir} configMapGenerator", name, value));
            var owners = k.Objects().Where(o => o.Name == "equigrid-silo").Select(o => o.Doc)
                .Concat(k.PatchFiles().SelectMany(DeployFiles.Objects).Select(o => o.Doc));
            foreach (var c in owners.SelectMany(o => o.Seq("spec", "template", "spec", "containers")).Where(c => c.Str("name") == "silo"))
                foreach (var e in c.Seq("env"))
                    list.Add(new($"kubernetes/{dir} silo env", e.Str("name")!, e.Str("value")));
        }
        var compose = DeployFiles.LoadOne(DeployFiles.At("compose.yaml"));
        foreach (var (svc, node) in SiloServices(compose))
            foreach (var (name, value) in node.Map("environment"))
                list.Add(new($"compose {svc}", name, Interpolated(value)));
        foreach (var (name, value) in DockerfileEnv(DeployFiles.At("docker", "silo.Dockerfile")))
            list.Add(new("docker/silo.Dockerfile", name, value));
        return list;
    }

    /// <summary>Settings of the CLI container in compose.</summary>
    public static IReadOnlyList<DeploySetting> Cli() =>
        DeployFiles.LoadOne(DeployFiles.At("compose.yaml")).Map("services", "cli", "environment")
            .Select(kv => new DeploySetting("compose cli", kv.Key, Interpolated(kv.Value))).ToList();

    /// <summary>The compose services that run the silo image.</summary>
    public static IEnumerable<(string Name, YamlNode Node)> SiloServices(YamlMappingNode compose) =>
        ((YamlMappingNode)compose.Get("services")!).Children
            .Where(kv => kv.Value.Str("image")?.StartsWith("equigrid-silo", StringComparison.Ordinal) == true)
            .Select(kv => (((YamlScalarNode)kv.Key).Value!, kv.Value));

    /// <summary>Compose's ${VAR...} interpolation replaced by a stand-in value (the variable is the operator's).</summary>
    private static string? Interpolated(string? value) => value is null ? null : Regex.Replace(value, @"\$\{[^}]*\}", "interpolated");

    /// <summary>ENV instructions of a Dockerfile (KEY=VALUE pairs, line continuations joined).</summary>
    public static IEnumerable<(string Name, string Value)> DockerfileEnv(string path)
    {
        var text = Regex.Replace(File.ReadAllText(path), @"\\\r?\n", " ");
        foreach (var line in text.Split('\n').Where(l => l.TrimStart().StartsWith("ENV ", StringComparison.Ordinal)))
            foreach (Match m in Regex.Matches(line.Trim()[4..], @"(\S+?)=(\S+)"))
                yield return (m.Groups[1].Value, m.Groups[2].Value);
    }
}
