using EquiGrid.Grains.Resilience;

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
}
