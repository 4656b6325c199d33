namespace EquiGrid.Grains.Scheduling;

/// <summary>
/// One shard of a study's queue (key "study/number"): the durable record of up to
/// <see cref="SchedulerGrain.ShardSize"/> live trials' tickets. The scheduler writes a shard when trials are enqueued
/// into it and, batched, when they finish, so no write grows with the size of the whole queue; it reads every shard
/// of every study back when it is activated again.
/// </summary>
[Alias("equigrid.IQueueShardGrain")]
public interface IQueueShardGrain : IGrainWithStringKey
{
    /// <summary>Adds trials (ones already present are kept as they are).</summary>
    [Alias("Add")] Task Add(IReadOnlyList<QueuedTrial> trials);
    /// <summary>Removes finished trials; returns how many remain (0: the shard's record is deleted).</summary>
    [Alias("Remove")] Task<int> Remove(IReadOnlyList<string> trialIds);
    /// <summary>Every trial in the shard, in enqueue order.</summary>
    [Alias("GetTrials")] Task<IReadOnlyList<QueuedTrial>> GetTrials();
    /// <summary>Deletes the shard (its study was cancelled).</summary>
    [Alias("Clear")] Task Clear();
}

/// <summary>Persistent state of a queue shard.</summary>
[GenerateSerializer, Alias("equigrid.QueueShardState")]
public sealed class QueueShardState
{
    [Id(0)] public List<QueuedTrial> Trials { get; set; } = [];
}

/// <summary>Implements <see cref="IQueueShardGrain"/>.</summary>
public sealed class QueueShardGrain(
    [PersistentState("queue-shard", GrainStorage.Name)] IPersistentState<QueueShardState> state) : Grain, IQueueShardGrain
{
    /// <inheritdoc />
    public async Task Add(IReadOnlyList<QueuedTrial> trials)
    {
        var present = state.State.Trials.Select(t => t.TrialId).ToHashSet();
        int before = state.State.Trials.Count;
        state.State.Trials.AddRange(trials.Where(t => present.Add(t.TrialId)));
        if (state.State.Trials.Count != before) await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task<int> Remove(IReadOnlyList<string> trialIds)
    {
        var gone = trialIds.ToHashSet();
        if (state.State.Trials.RemoveAll(t => gone.Contains(t.TrialId)) == 0) return state.State.Trials.Count;
        if (state.State.Trials.Count == 0) await state.ClearStateAsync();
        else await state.WriteStateAsync();
        return state.State.Trials.Count;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueuedTrial>> GetTrials() => Task.FromResult<IReadOnlyList<QueuedTrial>>(state.State.Trials.ToList());

    /// <inheritdoc />
    public async Task Clear()
    {
        state.State.Trials.Clear();
        await state.ClearStateAsync();
    }
}
