using YamlDotNet.RepresentationModel;

namespace EquiGrid.Deploy.Tests;

/// <summary>The Kubernetes manifests and kustomizations under deploy/kubernetes: parsed, cross-checked, complete.</summary>
public class KubernetesManifestTests
{
    private static readonly string[] Overlays = ["cpu", "gpu"];
    private static Kustomization Base() => Kustomization.Load(DeployFiles.At("kubernetes", "base"));
    private static Kustomization Overlay(string name) => Kustomization.Load(DeployFiles.At("kubernetes", "overlays", name));

    private static YamlMappingNode SiloStatefulSet(Kustomization k) =>
        (YamlMappingNode)k.Objects().Single(o => o is { Kind: "StatefulSet", Name: "equigrid-silo" }).Doc;

    private static YamlNode SiloContainer(YamlNode podOwner) =>
        podOwner.Seq("spec", "template", "spec", "containers").Single(c => c.Str("name") == "silo");

    [Fact]
    public void Every_yaml_file_under_deploy_parses_and_every_manifest_names_its_kind()
    {
        var files = DeployFiles.AllYaml();
        Assert.True(files.Count >= 12, $"only {files.Count} YAML files under deploy/");
        foreach (var file in files)
        {
            var docs = DeployFiles.Load(file);
            Assert.NotEmpty(docs);
            if (!file.Contains($"{Path.DirectorySeparatorChar}kubernetes{Path.DirectorySeparatorChar}")) continue;
            foreach (var d in docs)
            {
                Assert.False(string.IsNullOrEmpty(d.Str("apiVersion")), $"{file}: a document has no apiVersion");
                Assert.False(string.IsNullOrEmpty(d.Str("kind")), $"{file}: a document has no kind");
                if (d.Str("kind") != "Kustomization") Assert.False(string.IsNullOrEmpty(d.Str("metadata", "name")), $"{file}: a {d.Str("kind")} has no name");
            }
        }
    }

    [Fact]
    public void Kustomizations_reference_only_files_that_exist_and_secrets_only_through_an_ignored_env_file_with_an_example()
    {
        foreach (var k in Overlays.Select(Overlay))
        {
            Assert.Contains(k.Bases, b => b.Directory.EndsWith(Path.Combine("kubernetes", "base"), StringComparison.Ordinal));
            foreach (var patch in k.PatchFiles()) Assert.True(File.Exists(patch), $"{k.Directory}: patch {patch} does not exist");
        }
        var gens = Base().SecretGenerators().ToList();
        Assert.NotEmpty(gens);
        var ignored = File.ReadAllLines(Path.Combine(DeployFiles.RepoRoot, ".gitignore")).Where(l => l.Length > 0 && l[0] != '#').ToList();
        foreach (var (name, env) in gens)
        {
            // The real file holds secrets: it is never in the repository, only its example is.
            Assert.True(File.Exists(env + ".example"), $"secret {name}: {env}.example does not exist");
            var relative = Path.GetRelativePath(DeployFiles.RepoRoot, env).Replace('\\', '/');
            Assert.True(ignored.Any(l => GitIgnoreMatches(l.Trim(), relative)), $"secret {name}: {relative} is not ignored by .gitignore");
        }
    }

    /// <summary>Whether a .gitignore pattern (with *, ** and a leading /) matches a repository-relative file path.</summary>
    private static bool GitIgnoreMatches(string pattern, string path)
    {
        var anchored = pattern.StartsWith('/') || pattern.TrimEnd('/').Contains('/');
        var regex = System.Text.RegularExpressions.Regex.Escape(pattern.TrimStart('/'))
            .Replace(@"\*\*/", "(.*/)?").Replace(@"\*", "[^/]*");
        return System.Text.RegularExpressions.Regex.IsMatch(path, (anchored ? "^" : "(^|/)") + regex + "$");
    }

    [Fact]
    public void Every_secret_reference_names_a_generated_secret_and_a_key_its_example_lists()
    {
        var k = Base();
        var keysBySecret = k.SecretGenerators().ToDictionary(g => g.Name, g => File.ReadAllLines(g.EnvFile + ".example")
            .Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOf('=')]).ToHashSet());
        var refs = k.Objects().SelectMany(o => o.Doc.Seq("spec", "template", "spec", "containers"))
            .SelectMany(c => c.Seq("env")).Select(e => e.Get("valueFrom", "secretKeyRef")).Where(r => r is not null).ToList();
        Assert.True(refs.Count >= 4, $"only {refs.Count} secret references");
        foreach (var r in refs)
        {
            var name = r.Str("name")!;
            Assert.True(keysBySecret.ContainsKey(name), $"secret '{name}' is referenced but no secretGenerator makes it");
            Assert.Contains(r.Str("key")!, keysBySecret[name]);
        }
        // What the silo needs in a cluster comes from the secret, not from a plain value in a manifest.
        var siloEnv = SiloContainer(SiloStatefulSet(k)).Seq("env").ToDictionary(e => e.Str("name")!, e => e);
        foreach (var secretSetting in new[] { "EquiGrid__Token", "EquiGrid__Redis", "EquiGrid__BlobConnectionString" })
            Assert.NotNull(siloEnv[secretSetting].Get("valueFrom", "secretKeyRef"));
    }

    [Fact]
    public void The_silo_workload_has_its_image_ports_probes_resources_and_orleans_labels()
    {
        var k = Base();
        var sts = SiloStatefulSet(k);
        var settings = k.ConfigMapLiterals()["equigrid-silo"];
        var pod = sts.Get("spec", "template")!;
        var silo = SiloContainer(sts);
        Assert.Equal("equigrid-silo", silo.Str("image")); // set per overlay with kustomize's images transformer

        // Container ports agree with the silo's settings, and every probe and service targets a declared port.
        var ports = silo.Seq("ports").ToDictionary(p => p.Str("name")!, p => p.Str("containerPort")!);
        Assert.Equal(settings["EquiGrid__SiloPort"], ports["silo"]);
        Assert.Equal(settings["EquiGrid__GatewayPort"], ports["gateway"]);
        Assert.Equal(settings["EquiGrid__Telemetry__PrometheusPort"], ports["metrics"]);
        Assert.Equal("*", settings["EquiGrid__Telemetry__PrometheusHost"]); // scraped from outside the pod
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            var p = silo.Get(probe);
            Assert.NotNull(p);
            var port = p.Str("tcpSocket", "port") ?? p.Str("httpGet", "port");
            Assert.True(port is not null && ports.ContainsKey(port), $"{probe} targets port '{port}', not one of the container's");
        }
        Assert.Equal("/metrics", silo.Str("livenessProbe", "httpGet", "path"));
        Assert.Equal(settings["EquiGrid__Telemetry__PrometheusPort"], pod.Str("metadata", "annotations", "prometheus.io/port"));
        foreach (var svc in k.Objects().Where(o => o.Kind == "Service"))
        {
            var selector = svc.Doc.Map("spec", "selector");
            var target = k.Objects().Where(o => o.Kind == "StatefulSet")
                .Single(o => selector.All(s => o.Doc.Map("spec", "template", "metadata", "labels").TryGetValue(s.Key, out var v) && v == s.Value));
            var targetPorts = SiloOrOnlyContainer(target.Doc).Seq("ports").Select(p => p.Str("name")).ToHashSet();
            foreach (var p in svc.Doc.Seq("spec", "ports"))
                Assert.True(targetPorts.Contains(p.Str("targetPort")), $"service {svc.Name}: targetPort {p.Str("targetPort")} is not a port of {target.Name}");
        }

        // Resources: requests so the scheduler places pods, a memory limit so one trial cannot take the node.
        Assert.NotNull(silo.Str("resources", "requests", "cpu"));
        Assert.NotNull(silo.Str("resources", "requests", "memory"));
        Assert.NotNull(silo.Str("resources", "limits", "memory"));

        // Orleans' Kubernetes hosting: pod name/namespace/IP from the downward API, labels matching the silo's ids,
        // a service account whose role lets it watch and patch pods.
        var env = silo.Seq("env").ToDictionary(e => e.Str("name")!, e => e.Str("valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.name", env[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNameEnvironmentVariable]);
        Assert.Equal("metadata.namespace", env[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNamespaceEnvironmentVariable]);
        Assert.Equal("status.podIP", env[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodIPEnvironmentVariable]);
        var labels = pod.Map("metadata", "labels");
        Assert.Equal(settings["EquiGrid__ServiceId"], labels[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ServiceIdLabel]);
        Assert.Equal(settings["EquiGrid__ClusterId"], labels[Orleans.Hosting.Kubernetes.KubernetesHostingOptions.ClusterIdLabel]);
        var account = pod.Str("spec", "serviceAccountName");
        Assert.Contains(k.Objects(), o => o.Kind == "ServiceAccount" && o.Name == account);
        var role = k.Objects().Single(o => o.Kind == "Role");
        var binding = k.Objects().Single(o => o.Kind == "RoleBinding");
        Assert.Equal(role.Name, binding.Doc.Str("roleRef", "name"));
        Assert.Contains(binding.Doc.Seq("subjects"), s => s.Str("kind") == "ServiceAccount" && s.Str("name") == account);
        var verbs = role.Doc.Seq("rules").Where(r => r.Seq("resources").Any(x => ((YamlScalarNode)x).Value == "pods"))
            .SelectMany(r => r.Seq("verbs")).Select(v => ((YamlScalarNode)v).Value).ToHashSet();
        Assert.Superset(new HashSet<string?> { "get", "watch", "list", "patch" }, verbs);
        // The work folder is a volume the pod declares.
        Assert.Equal(settings["EquiGrid__Worker__WorkDir"], silo.Seq("volumeMounts").Single().Str("mountPath"));
        Assert.Contains(pod.Seq("spec", "volumes"), v => v.Str("name") == silo.Seq("volumeMounts").Single().Str("name"));
    }

    private static YamlNode SiloOrOnlyContainer(YamlNode owner)
    {
        var containers = owner.Seq("spec", "template", "spec", "containers").ToList();
        return containers.SingleOrDefault(c => c.Str("name") == "silo") ?? Assert.Single(containers);
    }

    [Fact]
    public void Redis_persists_and_every_third_party_image_is_pinned()
    {
        var k = Base();
        var redis = k.Objects().Single(o => o is { Kind: "StatefulSet", Name: "equigrid-redis" }).Doc;
        var c = Assert.Single(redis.Seq("spec", "template", "spec", "containers"));
        var args = c.Seq("args").Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal("yes", args[args.IndexOf("--appendonly") + 1]); // grain state survives a Redis restart
        Assert.NotEmpty(redis.Seq("spec", "volumeClaimTemplates"));
        // Every $(VAR) in the arguments is an env var of the container.
        var env = c.Seq("env").Select(e => e.Str("name")).ToHashSet();
        foreach (var a in args) foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(a!, @"\$\((\w+)\)"))
            Assert.Contains(m.Groups[1].Value, env);
        foreach (var image in k.Objects().SelectMany(o => o.Doc.Seq("spec", "template", "spec", "containers")).Select(x => x.Str("image")!))
            if (image != "equigrid-silo") AssertPinned(image);
        // The Redis configuration string the silos get points at this service.
        var example = File.ReadAllLines(k.SecretGenerators().Single().EnvFile + ".example").Single(l => l.StartsWith("redis-configuration=", StringComparison.Ordinal));
        var redisService = k.Objects().Single(o => o.Kind == "Service" && o.Doc.Map("spec", "selector").Values.Contains("equigrid-redis"));
        Assert.StartsWith($"redis-configuration={redisService.Name}:{redisService.Doc.Seq("spec", "ports").Single().Str("port")},", example);
    }

    internal static void AssertPinned(string image)
    {
        int colon = image.LastIndexOf(':');
        Assert.True(colon > image.LastIndexOf('/'), $"image {image} has no tag");
        Assert.NotEqual("latest", image[(colon + 1)..]);
    }

    [Fact]
    public void Each_overlay_names_a_pinned_silo_image_and_patches_only_objects_of_the_base()
    {
        var baseObjects = Base().Objects().Select(o => (o.Kind, o.Name)).ToHashSet();
        foreach (var name in Overlays)
        {
            var k = Overlay(name);
            var image = Assert.Single(k.Doc.Seq("images"), i => i.Str("name") == "equigrid-silo");
            AssertPinned($"{image.Str("newName")}:{image.Str("newTag")}");
            foreach (var patch in k.PatchFiles())
                foreach (var (kind, objName, _) in DeployFiles.Objects(patch))
                    Assert.True(baseObjects.Contains((kind, objName)), $"{patch}: patches {kind}/{objName}, which the base does not define");
            foreach (var gen in k.Doc.Seq("configMapGenerator"))
                Assert.Equal("merge", gen.Str("behavior")); // an overlay adds settings, it does not drop the base's
        }
    }

    [Fact]
    public void The_gpu_overlay_requests_a_gpu_on_a_gpu_pool_and_the_cpu_overlay_does_not()
    {
        var gpu = Overlay("gpu").PatchFiles().SelectMany(DeployFiles.Objects).Single(o => o.Kind == "StatefulSet").Doc;
        var silo = SiloContainer(gpu);
        Assert.Equal("1", silo.Str("resources", "limits", "nvidia.com/gpu"));
        Assert.Equal("1", silo.Str("resources", "requests", "nvidia.com/gpu"));
        Assert.NotEmpty(gpu.Map("spec", "template", "spec", "nodeSelector"));
        Assert.Contains(gpu.Seq("spec", "template", "spec", "tolerations"), t => t.Str("key") == "nvidia.com/gpu");
        Assert.Equal("1", Overlay("gpu").ConfigMapLiterals()["equigrid-silo"]["EquiGrid__Worker__Slots"]); // one trial per GPU

        foreach (var patch in Overlay("cpu").PatchFiles()) Assert.DoesNotContain("nvidia.com/gpu", File.ReadAllText(patch));
        Assert.Null(SiloContainer(SiloStatefulSet(Base())).Str("resources", "limits", "nvidia.com/gpu"));
    }
}
