using System.Diagnostics;
using System.Text.RegularExpressions;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Worker;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// A GPU's reference rate measured in a trial-runner child (<see cref="GpuMeasurement"/>), with ILGPU's CPU accelerator
/// standing in for the card: the rate comes back through the runner protocol, a failing child gives the cause instead
/// of a rate, and a cancelled measurement kills the child with the processes it started.
/// </summary>
[Collection(TrainingHeavy.Name)]
public class GpuMeasurementTests
{
    private static GpuMeasureRequest Request(string workDir, int deviceIndex = 0, TimeSpan? timeout = null) => new()
    {
        RunnerPath = Path.Combine(AppContext.BaseDirectory, "EquiGrid.TrialRunner.dll"), Accelerator = MeasureAccelerators.Cpu,
        DeviceIndex = deviceIndex, Trial = NodeAcceleratorsTests.SmallTrial, Threads = 1, Steps = 1,
        Timeout = timeout ?? TimeSpan.FromMinutes(4), WorkDir = workDir,
    };

    private static string WorkDir() => Path.Combine(Path.GetTempPath(), "equigrid-gpu-measure-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_child_trains_on_the_device_it_is_given_and_reports_its_rate()
    {
        var dir = WorkDir();
        var outcome = await GpuMeasurement.RunAsync(Request(dir), null, CancellationToken.None);
        Assert.Null(outcome.Failure);
        Assert.True(outcome.MoleculesPerSecond > 0 && double.IsFinite(outcome.MoleculesPerSecond), $"rate {outcome.MoleculesPerSecond}");
        Assert.Equal("CPU: CPUAccelerator", outcome.Device); // the child names the device it trained on
        Assert.NotEqual(Environment.ProcessId, outcome.Pid);
        Assert.True(Signals.IsGone(outcome.Pid!.Value));
        Assert.False(Directory.Exists(dir)); // the trial file's folder is removed
    }

    [Fact]
    public async Task A_child_that_cannot_open_its_device_gives_no_rate_and_says_why()
    {
        var outcome = await GpuMeasurement.RunAsync(Request(WorkDir(), deviceIndex: 1), null, CancellationToken.None);
        Assert.Equal(0, outcome.MoleculesPerSecond);
        Assert.Null(outcome.Device);
        Assert.Equal($"the measuring child (pid {outcome.Pid}) exited with 2; its stderr began: trial-runner: error: --device-index 1: ILGPU's CPU accelerator has device 0 only",
            outcome.Failure);
    }

    [Fact]
    public async Task A_runner_that_is_not_there_gives_no_rate_and_says_why()
    {
        var request = Request(WorkDir()) with { RunnerPath = Path.Combine(Path.GetTempPath(), "no-such-runner-" + Guid.NewGuid().ToString("N") + ".dll") };
        var outcome = await GpuMeasurement.RunAsync(request, null, CancellationToken.None);
        Assert.Equal(0, outcome.MoleculesPerSecond);
        Assert.StartsWith($"the measuring child (pid {outcome.Pid}) exited with ", outcome.Failure);
    }

    /// <summary>A hung child (the test hook: it starts a grandchild, then never returns) is killed with that grandchild when the silo stops.</summary>
    [Fact]
    public async Task Cancelling_a_measurement_kills_the_child_and_the_processes_it_started()
    {
        using var hook = new MeasureFault("hang");
        var hanging = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var measuring = GpuMeasurement.RunAsync(Request(WorkDir()), line => { if (line.Contains("hanging")) hanging.TrySetResult(line); }, stop.Token);
        var said = await hanging.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var pids = Regex.Match(said, @"hanging \(pid (\d+), grandchild pid (\d+)\)");
        Assert.True(pids.Success, said);
        int child = int.Parse(pids.Groups[1].Value), grandchild = int.Parse(pids.Groups[2].Value);
        Assert.False(Signals.IsGone(child));
        Assert.False(Signals.IsGone(grandchild));
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => measuring);
        await NodeAcceleratorsTests.AssertGone([child, grandchild]);
    }

    /// <summary>
    /// The measuring child watches its silo (<c>--parent-pid</c>): when the silo dies, even by SIGKILL, the child exits
    /// by itself (exit 3), so a dead silo leaves no measurement running on its GPU. A <c>sleep</c> stands in for the silo.
    /// </summary>
    [Fact]
    public async Task A_measuring_child_exits_by_itself_when_its_silo_dies()
    {
        using var hook = new MeasureFault("hang");
        var dir = WorkDir();
        Directory.CreateDirectory(dir);
        var trial = Path.Combine(dir, "trial.json");
        ContractJson.Write(trial, NodeAcceleratorsTests.SmallTrial);
        using var silo = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Request(dir).RunnerPath, "measure", "--trial", trial, "--accelerator", MeasureAccelerators.Cpu, "--parent-pid", silo.Id.ToString() })
            psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        int? grandchild = null;
        try
        {
            var said = await child.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var pids = Regex.Match(said ?? "", @"hanging \(pid (\d+), grandchild pid (\d+)\)");
            Assert.True(pids.Success, said);
            grandchild = int.Parse(pids.Groups[2].Value);
            silo.Kill();
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(RunnerExitCodes.ParentGone, child.ExitCode);
        }
        finally
        {
            // The hook's grandchild outlives a child that exits by itself (a real measurement starts none).
            foreach (var p in new[] { child.Id, silo.Id }.Concat(grandchild is { } g ? [g] : []))
                try { using var proc = Process.GetProcessById(p); proc.Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            Directory.Delete(dir, true);
        }
    }
}
