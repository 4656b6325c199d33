using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EquiGrid.Deploy.Tests;

/// <summary>
/// Every setting a deploy file gives an EquiGrid container is one the code reads. Configuration keys are checked by
/// building the real silo host (the same AddEquiGridSilo the silo's Program runs) over a configuration source that
/// records which keys are read, then resolving every options type bound from configuration: a key nobody reads (a typo,
/// a setting that was renamed or removed) fails, and so does a value that does not convert to its property's type.
/// </summary>
public class ConfigurationKeyTests
{
    /// <summary>Stand-ins for values that come from secrets or the downward API (only their shape matters here).</summary>
    private static readonly Dictionary<string, string> SecretStandIns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["EquiGrid:Redis"] = "127.0.0.1:6379",
        ["EquiGrid:BlobConnectionString"] = Loopback.AzuriteConnectionString(10000),
        ["EquiGrid:Token"] = "token",
    };

    [Fact]
    public void Every_configuration_key_the_deploy_files_set_for_the_silo_is_read_by_the_silo()
    {
        var settings = DeploySettings.Silo().Where(s => s.ConfigurationKey is not null).ToList();
        Assert.True(settings.Count >= 20, $"only {settings.Count} configuration settings found in deploy/");
        // One host per deployment (a kustomization, a compose service, the image): its settings on top of the stand-ins,
        // since a piece such as the image's ENV or an overlay's configMap is never run alone.
        foreach (var group in settings.GroupBy(s => s.Source.Split(' ')[0] + " " + (s.Source.StartsWith("compose", StringComparison.Ordinal) ? s.Source : "")))
        {
            var values = new Dictionary<string, string>(SecretStandIns, StringComparer.OrdinalIgnoreCase);
            foreach (var s in group)
                values[s.ConfigurationKey!] = s.Value ?? SecretStandIns.GetValueOrDefault(s.ConfigurationKey!)
                    ?? throw new Xunit.Sdk.XunitException($"{s.Source}: {s.Name} comes from a secret; add a stand-in value for it to this test");
            // Compose service names resolve only on the compose network; here the silo's start-up lookup gets a name that does.
            if (group.Key.StartsWith("compose", StringComparison.Ordinal)) values["EquiGrid:AdvertisedAddress"] = "localhost";
            var read = ReadKeys(values, out var error);
            Assert.True(error is null, $"{group.Key}: the silo could not be configured with these settings: {error}");
            var unread = group.Select(s => s.ConfigurationKey!).Where(k => !read.Contains(k)).Distinct().ToList();
            Assert.True(unread.Count == 0, $"{group.Key}: the silo never reads {string.Join(", ", unread)}");
        }
    }

    [Fact]
    public void A_misspelt_key_is_caught_by_the_same_check()
    {
        var read = ReadKeys(new Dictionary<string, string>
        {
            ["EquiGrid:Profile"] = "cluster", ["EquiGrid:Redis"] = "127.0.0.1:6379",
            ["EquiGrid:BlobConnectionString"] = Loopback.AzuriteConnectionString(10000),
            ["EquiGrid:Worker:Slots"] = "2", ["EquiGrid:Worker:Slot"] = "2", ["EquiGrid:Scheduling:LeaseDurration"] = "00:00:10",
        }, out var error);
        Assert.Null(error);
        Assert.Contains("EquiGrid:Worker:Slots", read);
        Assert.DoesNotContain("EquiGrid:Worker:Slot", read);
        Assert.DoesNotContain("EquiGrid:Scheduling:LeaseDurration", read);
        ReadKeys(new Dictionary<string, string> { ["EquiGrid:Worker:Slots"] = "two" }, out error);
        Assert.NotNull(error); // a value of the wrong type is caught too
    }

    [Fact]
    public void Every_other_environment_variable_the_deploy_files_set_is_one_the_code_or_orleans_reads()
    {
        var known = new HashSet<string>(typeof(Orleans.Hosting.Kubernetes.KubernetesHostingOptions).GetFields()
            .Where(f => f.IsLiteral && f.Name.EndsWith("EnvironmentVariable", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!));
        var sources = Directory.EnumerateFiles(Path.Combine(DeployFiles.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")).Select(File.ReadAllText).ToList();
        var plain = DeploySettings.Silo().Concat(DeploySettings.Cli()).Where(s => s.ConfigurationKey is null).ToList();
        Assert.Contains(plain, s => s.Name == "POD_NAME");
        Assert.Contains(plain, s => s.Name == "EQUIGRID_TOKEN");
        foreach (var s in plain)
            Assert.True(known.Contains(s.Name) || sources.Any(src => src.Contains($"\"{s.Name}\"", StringComparison.Ordinal)),
                $"{s.Source}: {s.Name} is read neither by EquiGrid's code nor by Orleans' Kubernetes hosting");
    }

    /// <summary>
    /// Builds the silo host over <paramref name="values"/>, resolves every options type bound from configuration, and
    /// returns the keys that were read; <paramref name="error"/> is the failure if the host could not be configured.
    /// </summary>
    private static HashSet<string> ReadKeys(IReadOnlyDictionary<string, string> values, out string? error)
    {
        var source = new RecordingSource(values);
        error = null;
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], EnvironmentName = "Production" });
            builder.Configuration.Sources.Add(source);
            builder.AddEquiGridSilo();
            using var host = builder.Build();
            var bound = builder.Services.Select(d => d.ServiceType)
                .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
                .Select(t => t.GetGenericArguments()[0]).Distinct().ToList();
            Assert.Contains(typeof(EquiGrid.Silo.Worker.WorkerSettings), bound);
            foreach (var type in bound)
            {
                var options = typeof(IOptions<>).MakeGenericType(type);
                try { _ = options.GetProperty("Value")!.GetValue(host.Services.GetRequiredService(options)); }
                catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }
        return source.Read;
    }

    private sealed class RecordingSource(IReadOnlyDictionary<string, string> values) : IConfigurationSource
    {
        public HashSet<string> Read { get; } = new(StringComparer.OrdinalIgnoreCase);
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(values, Read);

        private sealed class Provider : ConfigurationProvider
        {
            private readonly HashSet<string> _read;
            public Provider(IReadOnlyDictionary<string, string> values, HashSet<string> read)
            {
                _read = read;
                foreach (var (k, v) in values) Data[k] = v;
            }

            public override bool TryGet(string key, out string? value)
            {
                var found = base.TryGet(key, out value);
                if (found) lock (_read) _read.Add(key);
                return found;
            }
        }
    }
}
