using EquiGrid.LocalServers;

namespace EquiGrid.Grains.Tests.Infrastructure;

/// <summary>An Azurite blob server started once for a test class and stopped after it.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    /// <summary>Connection string of the running server.</summary>
    public string ConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException("Azurite not started");

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await AzuriteServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() { if (_server is not null) await _server.DisposeAsync(); }
}

/// <summary>A fact that needs Azurite: skipped, with the reason, only when azurite-blob is not installed.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (Loopback.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/ and sets EQUIGRID_AZURITE)";
    }
}

/// <summary>A fact that needs redis-server and Azurite: skipped, with the reason, only when either is missing.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (RedisServer.Executable() is null) Skip = "redis-server not installed (scripts/test.sh installs it)";
        else if (Loopback.AzuritePath() is null) Skip = "azurite-blob not installed (scripts/test.sh installs it into .tools/)";
    }
}
