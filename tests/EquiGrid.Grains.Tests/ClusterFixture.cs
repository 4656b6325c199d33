using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using EquiGrid.Silo.Security;
using EquiGrid.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace EquiGrid.Grains.Tests;

/// <summary>One in-process test cluster for the whole collection: file grain storage, in-memory reminders, short leases, a token.</summary>
public sealed class ClusterFixture : IDisposable
{
    /// <summary>The token the silo expects.</summary>
    public const string Token = "test-token-7f3a";

    /// <summary>Lease duration configured in the silo (short so lapse tests are quick).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    /// <summary>First backoff after an infrastructure failure (doubles with each further one).</summary>
    public static readonly TimeSpan InfrastructureBackoff = TimeSpan.FromMilliseconds(300);

    public TestCluster Cluster { get; }
    public static string StateDir { get; } = Path.Combine(Path.GetTempPath(), "equigrid-grains-tests-" + Guid.NewGuid().ToString("N"));

    public ClusterFixture()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        Cluster.Deploy();
    }

    /// <summary>Grain factory of the test client; calls carry the token.</summary>
    public IGrainFactory Grains => Cluster.Client;

    /// <inheritdoc />
    public void Dispose()
    {
        Cluster.StopAllSilos();
        Cluster.Dispose();
        try { Directory.Delete(StateDir, true); } catch (IOException) { }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.UseInMemoryReminderService();
            silo.Services.AddGrainStorage(GrainStorage.Name, (sp, _) =>
                new FileGrainStorage(StateDir, new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()), sp.GetRequiredService<ILogger<FileGrainStorage>>()));
            silo.Services.Configure<SchedulingOptions>(o => { o.LeaseDuration = Lease; o.ScanInterval = TimeSpan.FromMilliseconds(500); o.InfrastructureBackoff = InfrastructureBackoff; });
            silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => new ClusterTokenFilter(Token, sp.GetRequiredService<ILogger<ClusterTokenFilter>>()));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.AddOutgoingGrainCallFilter(ctx =>
            {
                // A test may clear the token to check rejection; otherwise every call carries it.
                if (RequestContext.Get("test-no-token") is null) RequestContext.Set(ClusterToken.RequestContextKey, Token);
                return ctx.Invoke();
            });
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
