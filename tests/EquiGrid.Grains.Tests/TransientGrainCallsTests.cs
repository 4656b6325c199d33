using EquiGrid.Grains.Resilience;
using EquiGrid.Silo.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace EquiGrid.Grains.Tests;

public class TransientGrainCallsTests
{
    [Fact]
    public async Task A_call_that_times_out_twice_is_retried_until_it_answers()
    {
        int calls = 0;
        var result = await TransientGrainCalls.RetryAsync(() => ++calls < 3 ? throw new TimeoutException("silo gone") : Task.FromResult(calls),
            TimeSpan.FromSeconds(30), pause: TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, result);
    }

    [Fact]
    public async Task Orleans_runtime_errors_count_as_transient_but_program_errors_do_not()
    {
        Assert.True(TransientGrainCalls.IsTransient(new SiloUnavailableException()));
        int calls = 0;
        await Assert.ThrowsAsync<ArgumentException>(() => TransientGrainCalls.RetryAsync<int>(() => { calls++; throw new ArgumentException("bad study"); },
            TimeSpan.FromSeconds(30), pause: TimeSpan.FromMilliseconds(1)));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task After_the_patience_runs_out_the_last_failure_propagates()
    {
        int calls = 0;
        var e = await Assert.ThrowsAsync<TimeoutException>(() => TransientGrainCalls.RetryAsync<int>(() => throw new TimeoutException($"try {++calls}"),
            TimeSpan.FromMilliseconds(50), pause: TimeSpan.FromMilliseconds(5)));
        Assert.True(calls >= 2, $"retried {calls} time(s)");
        Assert.Equal($"try {calls}", e.Message);
    }

    [Fact]
    public async Task The_workers_pipeline_retries_the_same_failures_and_nothing_else()
    {
        var pipeline = GrainCallRetry.Create(NullLogger.Instance);
        int calls = 0;
        Assert.Equal(2, await pipeline.ExecuteAsync(_ => ++calls < 2 ? throw new SiloUnavailableException() : ValueTask.FromResult(calls)));
        calls = 0;
        await Assert.ThrowsAsync<ArgumentException>(async () => await pipeline.ExecuteAsync<int>(_ => { calls++; throw new ArgumentException("bad study"); }));
        Assert.Equal(1, calls);
    }
}
