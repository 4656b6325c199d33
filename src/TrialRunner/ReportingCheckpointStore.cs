using EquiGrid.Training;

namespace EquiGrid.TrialRunner;

/// <summary>
/// Wraps the real store and announces each committed checkpoint on stdout so the worker can move the pointer, and each
/// checkpoint that failed to save or to verify on load, so the silo can log and count it (the runner's own stderr is
/// kept only for failed attempts).
/// </summary>
internal sealed class ReportingCheckpointStore(ICheckpointStore inner, Action<CheckpointRef> committed, Action<string, string> failed) : ICheckpointStore
{
    public async Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        CheckpointRef r;
        try { r = await inner.SaveAsync(trialId, attempt, step, payload, ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failed("save", $"step {step}: {e.GetType().Name}: {e.Message}");
            throw;
        }
        committed(r);
        return r;
    }

    public Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default) => inner.ListAsync(trialId, ct);

    public async Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default)
    {
        try { return await inner.LoadAsync(checkpoint, ct); }
        catch (CheckpointCorruptException e)
        {
            failed("corrupt", e.Message);
            throw;
        }
    }
}
