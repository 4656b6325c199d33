namespace EquiGrid.TrialRunner;

/// <summary>Wraps the real store and announces each committed checkpoint on stdout so the worker can move the pointer.</summary>
internal sealed class ReportingCheckpointStore(ICheckpointStore inner, Action<CheckpointRef> committed) : ICheckpointStore
{
    public async Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        var r = await inner.SaveAsync(trialId, attempt, step, payload, ct);
        committed(r);
        return r;
    }

    public Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default) => inner.ListAsync(trialId, ct);

    public Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default) => inner.LoadAsync(checkpoint, ct);
}
