using YamlDotNet.RepresentationModel;

namespace EquiGrid.Deploy.Tests;

/// <summary>
/// The parts of a kustomization the tests need, read from disk: its resources (files and bases, recursively), its
/// generators, image overrides and patches. Not a kustomize implementation: patches are returned for inspection.
/// </summary>
internal sealed class Kustomization
{
    public required string Directory { get; init; }
    public required YamlMappingNode Doc { get; init; }
    public List<string> ResourceFiles { get; } = [];
    public List<Kustomization> Bases { get; } = [];

    public static Kustomization Load(string dir)
    {
        var file = Path.Combine(dir, "kustomization.yaml");
        Assert.True(File.Exists(file), $"{dir}: no kustomization.yaml");
        var k = new Kustomization { Directory = dir, Doc = DeployFiles.LoadOne(file) };
        foreach (var r in k.Doc.Seq("resources").Select(n => ((YamlScalarNode)n).Value!))
        {
            var path = Path.GetFullPath(Path.Combine(dir, r));
            if (System.IO.Directory.Exists(path)) k.Bases.Add(Load(path));
            else
            {
                Assert.True(File.Exists(path), $"{file}: resource '{r}' does not exist");
                k.ResourceFiles.Add(path);
            }
        }
        return k;
    }

    /// <summary>Every Kubernetes object of this kustomization and its bases.</summary>
    public IEnumerable<(string Kind, string Name, YamlMappingNode Doc)> Objects() =>
        Bases.SelectMany(b => b.Objects()).Concat(ResourceFiles.SelectMany(DeployFiles.Objects));

    /// <summary>This kustomization and its bases, outermost first.</summary>
    public IEnumerable<Kustomization> SelfAndBases() => new[] { this }.Concat(Bases.SelectMany(b => b.SelfAndBases()));

    /// <summary>ConfigMap literals by generator name, bases first so an overlay's merge wins.</summary>
    public Dictionary<string, Dictionary<string, string>> ConfigMapLiterals()
    {
        var result = new Dictionary<string, Dictionary<string, string>>();
        foreach (var k in SelfAndBases().Reverse())
            foreach (var gen in k.Doc.Seq("configMapGenerator"))
            {
                var name = gen.Str("name")!;
                if (!result.TryGetValue(name, out var map) || gen.Str("behavior") is not ("merge" or "replace")) result[name] = map = new();
                foreach (var lit in gen.Seq("literals").Select(l => ((YamlScalarNode)l).Value!))
                {
                    int eq = lit.IndexOf('=');
                    Assert.True(eq > 0, $"{k.Directory}: configMapGenerator literal '{lit}' is not KEY=VALUE");
                    map[lit[..eq]] = lit[(eq + 1)..];
                }
            }
        return result;
    }

    /// <summary>Secret generators: name and the env files they read.</summary>
    public IEnumerable<(string Name, string EnvFile)> SecretGenerators() =>
        SelfAndBases().SelectMany(k => k.Doc.Seq("secretGenerator").SelectMany(g =>
            g.Seq("envs").Select(e => (g.Str("name")!, Path.Combine(k.Directory, ((YamlScalarNode)e).Value!)))));

    /// <summary>Patch files (path entries) of this kustomization only.</summary>
    public IEnumerable<string> PatchFiles() =>
        Doc.Seq("patches").Select(p => p.Str("path")).Where(p => p is not null).Select(p => Path.Combine(Directory, p!));
}
