namespace EquiGrid.Checkpoints;

/// <summary>
/// Which of a trial's checkpoints a store may delete after a save. The newest <c>retain</c> are always kept; an older
/// one is kept too while it is younger than the grace period, because the grain commits a checkpoint some time after
/// the child wrote it (the worker relays the child's messages in order, and under load the relay lags several
/// checkpoints behind). A checkpoint the grain has committed must still exist when the next attempt resumes from it;
/// the lag is bounded by the lease (a worker that cannot report for a lease period stops the attempt), so a grace of
/// several lease periods covers it without letting a store grow without bound.
/// </summary>
public static class CheckpointRetention
{
    /// <summary>Default grace: ten times the default 30 s lease.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(5);

    /// <summary>The checkpoints of <paramref name="newestFirst"/> to delete now.</summary>
    public static IEnumerable<CheckpointRef> Expired(IReadOnlyList<CheckpointRef> newestFirst, int retain, TimeSpan grace, DateTimeOffset now) =>
        newestFirst.Skip(Math.Max(1, retain)).Where(c => now - c.CreatedAt >= grace);
}
