namespace EquiGrid.Grains.Resilience;

/// <summary>
/// Retries grain calls that failed for reasons that heal on their own: a silo died and the cluster has not yet declared
/// it dead (the call times out), or a message was rejected while its target grain moves to another silo. Used by
/// long-lived callers outside the cluster (the CLI's watch loop, tests, benchmarks) so a silo loss looks like a pause.
/// </summary>
public static class TransientGrainCalls
{
    /// <summary>True for failures worth retrying: timeouts and Orleans runtime errors (silo unavailable, rejection).</summary>
    public static bool IsTransient(Exception e) => e is TimeoutException or OrleansException;

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, retrying transient failures for at most <paramref name="patience"/>
    /// (then the last failure propagates); waits <paramref name="pause"/> (default 500 ms) between tries.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan patience, CancellationToken ct = default, TimeSpan? pause = null)
    {
        var giveUpAt = DateTime.UtcNow + patience;
        while (true)
        {
            try { return await call(); }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow < giveUpAt && !ct.IsCancellationRequested)
            {
                await Task.Delay(pause ?? TimeSpan.FromMilliseconds(500), ct);
            }
        }
    }
}
