namespace EquiGrid.Contracts;

/// <summary>
/// A committed, immutable checkpoint: where it is, which trial attempt and step wrote it, and its content hash. The
/// trial grain keeps the newest few (its "latest pointer" is the first) and hands them to the next attempt.
/// </summary>
public sealed record CheckpointRef(string TrialId, int Attempt, long Step, string Location, string Sha256, long Bytes, DateTimeOffset CreatedAt);

/// <summary>Raised when a checkpoint's content does not match its recorded hash or cannot be read.</summary>
public sealed class CheckpointCorruptException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Where checkpoints live: a directory (embedded profile, single machine, <c>equigrid train</c>) or blob storage
/// (cluster). Saving writes the bytes under a new name, verifies them, and only then commits them as the newest, so a
/// crash mid-write never leaves a half-written latest checkpoint.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Writes and commits a checkpoint; returns its reference. Older ones beyond the retention are removed.</summary>
    Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default);

    /// <summary>Committed checkpoints of a trial, newest first.</summary>
    Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default);

    /// <summary>Reads a checkpoint and verifies its hash; throws <see cref="CheckpointCorruptException"/> when it does not match.</summary>
    Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default);
}
