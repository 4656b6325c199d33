using EquiGrid.Grains.Telemetry;
using Microsoft.Extensions.Options;

namespace EquiGrid.Grains.Nodes;

/// <summary>Persistent state of a node grain.</summary>
[GenerateSerializer, Alias("equigrid.NodeGrainState")]
public sealed class NodeGrainState
{
    [Id(0)] public NodeCapabilities? Capabilities { get; set; }
    [Id(1)] public DateTimeOffset LastHeartbeat { get; set; }
    [Id(2)] public List<string> Leases { get; set; } = [];
    [Id(3)] public long Heartbeats { get; set; }
}

/// <summary>One compute node: its capabilities, last heartbeat and current leases; forwards heartbeats to the scheduler.</summary>
public sealed class NodeGrain(
    [PersistentState("node", GrainStorage.Name)] IPersistentState<NodeGrainState> state,
    IOptions<SchedulingOptions> options) : Grain, INodeGrain
{
    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Capabilities is not null) ClusterTelemetry.SetHeartbeat(this.GetPrimaryKeyString(), state.State.LastHeartbeat);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ClusterTelemetry.ForgetNode(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task Heartbeat(NodeCapabilities capabilities, IReadOnlyList<string> leases)
    {
        if (capabilities.Name != this.GetPrimaryKeyString())
            throw new ArgumentException($"heartbeat of node '{capabilities.Name}' sent to node '{this.GetPrimaryKeyString()}'");
        var now = DateTimeOffset.UtcNow;
        state.State.Capabilities = capabilities;
        state.State.LastHeartbeat = now;
        state.State.Leases = leases.ToList();
        state.State.Heartbeats++;
        ClusterTelemetry.Heartbeats.Add(1, new KeyValuePair<string, object?>("node", capabilities.Name));
        ClusterTelemetry.SetHeartbeat(capabilities.Name, now);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).NodeSeen(capabilities, now);
    }

    /// <inheritdoc />
    public Task<NodeSnapshot> GetSnapshot()
    {
        var s = state.State;
        var caps = s.Capabilities ?? new NodeCapabilities { Name = this.GetPrimaryKeyString() };
        bool alive = s.Capabilities is not null && DateTimeOffset.UtcNow - s.LastHeartbeat < options.Value.NodeTimeout;
        return Task.FromResult(new NodeSnapshot(caps, s.LastHeartbeat, s.Leases.ToList(), alive, s.Heartbeats));
    }
}
