namespace EquiGrid.TrialRunner;

/// <summary>
/// Wraps the real store and announces each committed checkpoint on stdout so the worker can move the pointer, and each
/// checkpoint that failed verification on load or could not be saved, so the silo logs and counts it.
/// </summary>
internal sealed class ReportingCheckpointStore(
    ICheckpointStore inner, Action<CheckpointRef> committed, Action<CheckpointRef, string> corrupt, Action<long, string> saveFailed) : ICheckpointStore
{
    public async Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        CheckpointRef r;
        try
        {
            r = await inner.SaveAsync(trialId, attempt, step, payload, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            saveFailed(step, $"{e.GetType().Name}: {StorageErrors.FirstLine(e)}");
            throw;
        }
        committed(r);
        return r;
    }

    public Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default) => inner.ListAsync(trialId, ct);

    public async Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default)
    {
        try
        {
            return await inner.LoadAsync(checkpoint, ct);
        }
        catch (CheckpointCorruptException e)
        {
            corrupt(checkpoint, e.Message);
            throw;
        }
    }
}
