using Polly;
using Polly.Retry;

namespace EquiGrid.Grains.Resilience;

/// <summary>
/// Retries grain calls that failed for reasons that heal on their own: a silo died and the cluster has not yet declared
/// it dead (the call times out), or a message was rejected while its target grain moves to another silo. Used by
/// long-lived callers outside the cluster (the CLI's watch loop, tests, benchmarks) so a silo loss looks like a pause;
/// the silo's worker retries with the same classification (<see cref="IsTransient"/>) and its own backoff.
/// </summary>
public static class TransientGrainCalls
{
    /// <summary>True for failures worth retrying: timeouts and Orleans runtime errors (silo unavailable, rejection,
    /// storage provider errors). Anything else is a program error and is never retried.</summary>
    public static bool IsTransient(Exception e) => e is TimeoutException or OrleansException;

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, retrying transient failures for at most <paramref name="patience"/>
    /// after the first one (then the last failure propagates; zero patience retries nothing); waits
    /// <paramref name="pause"/> (default 500 ms) between tries.
    /// </summary>
    public static Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan patience, CancellationToken ct = default, TimeSpan? pause = null)
    {
        // The patience is a deadline, not a count of tries: a try that hangs until its own timeout uses it up faster.
        DateTime? firstFailure = null;
        bool WithinPatience()
        {
            var now = DateTime.UtcNow;
            firstFailure ??= now;
            return now - firstFailure < patience;
        }
        var pipeline = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)
                && WithinPatience() && !args.Context.CancellationToken.IsCancellationRequested),
            BackoffType = DelayBackoffType.Constant,
            Delay = pause ?? TimeSpan.FromMilliseconds(500),
            MaxRetryAttempts = int.MaxValue,
        }).Build();
        return pipeline.ExecuteAsync(async _ => await call(), ct).AsTask();
    }
}
