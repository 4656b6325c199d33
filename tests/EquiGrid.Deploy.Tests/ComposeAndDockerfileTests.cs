using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace EquiGrid.Deploy.Tests;

/// <summary>deploy/compose.yaml and deploy/docker/*.Dockerfile against the repository and each other.</summary>
public class ComposeAndDockerfileTests
{
    private static YamlMappingNode Compose() => DeployFiles.LoadOne(DeployFiles.At("compose.yaml"));

    [Fact]
    public void Compose_runs_three_silos_over_redis_and_azurite_each_advertising_its_own_name()
    {
        var compose = Compose();
        var silos = DeploySettings.SiloServices(compose).ToList();
        Assert.Equal(3, silos.Count);
        var hostPorts = new HashSet<string>();
        foreach (var (name, node) in silos)
        {
            var env = node.Map("environment");
            Assert.Equal("cluster", env["EquiGrid__Profile"]);
            Assert.Equal(name, env["EquiGrid__AdvertisedAddress"]); // other silos reach it by its service name
            Assert.Equal(name, env["EquiGrid__Worker__NodeName"]);
            Assert.Superset(new HashSet<string> { "redis", "azurite" }, node.Seq("depends_on").Select(d => ((YamlScalarNode)d).Value!).ToHashSet());
            // Redis and the blob endpoint are the compose services, on their container ports.
            Assert.StartsWith("redis:6379", env["EquiGrid__Redis"]);
            Assert.Contains("BlobEndpoint=http://azurite:10000/", env["EquiGrid__BlobConnectionString"]);
            var published = Assert.Single(node.Seq("ports"));
            var parts = ((YamlScalarNode)published).Value!.Split(':');
            Assert.Equal(("127.0.0.1", env["EquiGrid__GatewayPort"]), (parts[0], parts[2])); // loopback only: the token is the only guard
            Assert.True(hostPorts.Add(parts[1]), $"{name}: host port {parts[1]} published twice");
            Assert.Equal("deploy/docker/silo.Dockerfile", node.Str("build", "dockerfile"));
        }
        var redisArgs = compose.Seq("services", "redis", "command").Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal("yes", redisArgs[redisArgs.IndexOf("--appendonly") + 1]);
        var azuriteArgs = compose.Seq("services", "azurite", "command").Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal("10000", azuriteArgs[azuriteArgs.IndexOf("--blobPort") + 1]);
        Assert.Equal("0.0.0.0", azuriteArgs[azuriteArgs.IndexOf("--blobHost") + 1]);
        foreach (var svc in ((YamlMappingNode)compose.Get("services")!).Children.Values)
            if (svc.Str("build") is null && svc.Get("build") is null) KubernetesManifestTests.AssertPinned(svc.Str("image")!);
    }

    [Fact]
    public void Compose_files_and_build_contexts_exist_and_prometheus_scrapes_every_silo_with_the_alert_rules()
    {
        var compose = Compose();
        var deploy = DeployFiles.Deploy;
        foreach (var svc in ((YamlMappingNode)compose.Get("services")!).Children.Values)
        {
            if (svc.Get("build") is { } build)
            {
                var context = Path.GetFullPath(Path.Combine(deploy, build.Str("context")!));
                Assert.True(File.Exists(Path.Combine(context, build.Str("dockerfile")!)), $"dockerfile {build.Str("dockerfile")} not found in {context}");
            }
            foreach (var v in svc.Seq("volumes").Select(v => ((YamlScalarNode)v).Value!).Where(v => v.StartsWith('.')))
            {
                var hostPath = Path.GetFullPath(Path.Combine(deploy, v.Split(':')[0]));
                Assert.True(File.Exists(hostPath) || Directory.Exists(hostPath), $"compose mounts {hostPath}, which does not exist");
            }
        }
        var prometheus = DeployFiles.LoadOne(DeployFiles.At("prometheus", "compose.yml"));
        var targets = prometheus.Seq("scrape_configs").Single().Seq("static_configs").Single().Seq("targets").Select(t => ((YamlScalarNode)t).Value).ToHashSet();
        var expected = DeploySettings.SiloServices(compose).Select(s => $"{s.Name}:{s.Node.Map("environment")["EquiGrid__Telemetry__PrometheusPort"]}").ToHashSet();
        Assert.Equal(expected, targets);
        Assert.Equal("equigrid-silos", prometheus.Seq("scrape_configs").Single().Str("job_name")); // the alert rules' up{job=...}
        var mounts = compose.Seq("services", "prometheus", "volumes").Select(v => ((YamlScalarNode)v).Value!).ToList();
        foreach (var rule in prometheus.Seq("rule_files").Select(r => ((YamlScalarNode)r).Value!))
            Assert.Contains(mounts, m => m.Split(':')[1] == rule);
        Assert.Contains(mounts, m => m.Split(':')[1] == "/etc/prometheus/prometheus.yml");
    }

    [Theory]
    [InlineData("silo.Dockerfile", "EquiGrid.Silo.dll", new[] { "src/Silo/EquiGrid.Silo.csproj", "src/TrialRunner/EquiGrid.TrialRunner.csproj" })]
    [InlineData("cli.Dockerfile", "/app/equigrid.dll", new[] { "src/Client/EquiGrid.Client.csproj" })]
    public void Each_dockerfile_builds_with_the_sdk_and_runs_on_the_same_distribution_as_a_non_root_user(string file, string entryDll, string[] projects)
    {
        var text = File.ReadAllText(DeployFiles.At("docker", file));
        var froms = Regex.Matches(text, @"^FROM\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, froms.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", froms[0]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime:", froms[1]);
        foreach (var f in froms) KubernetesManifestTests.AssertPinned(f);
        // The TorchSharp fix runs during publish and decides by the build stage's libstdc++: same tag, same distribution.
        Assert.Equal(froms[0].Split(':')[1], froms[1].Split(':')[1]);
        var globalSdk = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(DeployFiles.RepoRoot, "global.json")))
            .RootElement.GetProperty("sdk").GetProperty("version").GetString()!;
        Assert.StartsWith(string.Join('.', globalSdk.Split('.')[..2]), froms[0].Split(':')[1]);

        foreach (var project in projects)
        {
            Assert.Matches($@"dotnet publish {Regex.Escape(project)} -c Release -o /app", text);
            Assert.True(File.Exists(Path.Combine(DeployFiles.RepoRoot, project)), $"{file}: {project} does not exist");
        }
        // Every COPY source exists (the build context is the repository root), including the TorchSharp fix in build/.
        foreach (Match m in Regex.Matches(text, @"^COPY (?!--from)(.+) \S+$", RegexOptions.Multiline))
            foreach (var src in m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                Assert.True(File.Exists(Path.Combine(DeployFiles.RepoRoot, src)) || Directory.Exists(Path.Combine(DeployFiles.RepoRoot, src)), $"{file}: COPY {src}: not in the repository");
        Assert.Matches(@"COPY build/ build/", text);
        Assert.True(File.Exists(Path.Combine(DeployFiles.RepoRoot, "build", "TorchSharpNativeFix.targets")));
        Assert.Matches($@"ENTRYPOINT \[""dotnet"", ""{Regex.Escape(entryDll)}""\]", text);
        Assert.Matches(@"^USER \$APP_UID$", text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("USER", StringComparison.Ordinal)).Last());

        // The build context leaves out build output and secrets.
        var ignore = File.ReadAllLines(Path.Combine(DeployFiles.RepoRoot, ".dockerignore"));
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains(ignore, l => l.EndsWith("secrets.env", StringComparison.Ordinal));
    }

    [Fact]
    public void The_silo_image_exposes_the_ports_its_settings_use()
    {
        var text = File.ReadAllText(DeployFiles.At("docker", "silo.Dockerfile"));
        var exposed = Regex.Match(text, @"^EXPOSE (.+)$", RegexOptions.Multiline).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var env = DeploySettings.DockerfileEnv(DeployFiles.At("docker", "silo.Dockerfile")).ToDictionary(e => e.Name, e => e.Value);
        var defaults = new EquiGrid.Silo.Hosting.SiloSettings();
        Assert.Equal(new[] { defaults.SiloPort.ToString(), defaults.GatewayPort.ToString(), env["EquiGrid__Telemetry__PrometheusPort"] }, exposed);
        Assert.Equal("*", env["EquiGrid__Telemetry__PrometheusHost"]);
    }
}
