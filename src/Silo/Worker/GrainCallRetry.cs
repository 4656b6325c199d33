using EquiGrid.Grains.Resilience;
using EquiGrid.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace EquiGrid.Silo.Worker;

/// <summary>
/// The worker's retry policy for its calls to trial grains: failures that heal on their own (the grain's storage
/// provider cannot reach Redis during a fail-over, a silo is unreachable, a call timed out) are retried with
/// exponential backoff and jitter, without a count limit: the caller's token ends the retries when the attempt's lease
/// is certainly lost. Which failures are transient is <see cref="TransientGrainCalls.IsTransient"/>, the CLI's rule too;
/// program errors (anything else) are not retried.
/// </summary>
public static class GrainCallRetry
{
    /// <summary>The pipeline (exponential backoff from 200 ms, at most 5 s apart, jittered; every 10th retry is logged).</summary>
    public static ResiliencePipeline Create(ILogger logger) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientGrainCalls.IsTransient),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(5),
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                ClusterTelemetry.ReportRetries.Add(1);
                if (args.AttemptNumber % 10 == 0)
                    logger.LogWarning("Grain call failed, retrying (try {Try}, next in {Delay:F1} s): {Message}",
                        args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, FirstLine(args.Outcome.Exception));
                return default;
            },
        })
        .Build();

    /// <summary>The first line of an exception's message (Orleans' storage errors embed a whole stack trace).</summary>
    public static string FirstLine(Exception? e)
    {
        var text = e?.Message ?? "";
        var end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
