using System.ComponentModel;
using System.Diagnostics;
using EquiGrid.Grains;

namespace EquiGrid.Silo.Worker;

/// <summary>One GPU measurement to run in a child process (<see cref="GpuMeasurement.RunAsync"/>).</summary>
public sealed record GpuMeasureRequest
{
    /// <summary>Path of EquiGrid.TrialRunner.dll, started with <c>dotnet RUNNER measure ...</c>.</summary>
    public required string RunnerPath { get; init; }
    /// <summary>What the child opens: <see cref="MeasureAccelerators.Cuda"/>, or <see cref="MeasureAccelerators.Cpu"/> (ILGPU's CPU accelerator standing in for a GPU in tests).</summary>
    public string Accelerator { get; init; } = MeasureAccelerators.Cuda;
    /// <summary>The device's index among the accelerator's devices (ILGPU's order of CUDA devices).</summary>
    public required int DeviceIndex { get; init; }
    /// <summary>What the child trains (the worker's <see cref="NodeAccelerators.ReferenceTrial"/>).</summary>
    public required TrialSpec Trial { get; init; }
    /// <summary>Host threads of the child.</summary>
    public required int Threads { get; init; }
    /// <summary>Timed steps, after one warm-up step.</summary>
    public required int Steps { get; init; }
    /// <summary>The child is killed (with its own children) when it has not exited by then.</summary>
    public required TimeSpan Timeout { get; init; }
    /// <summary>A folder for the trial file, created here and deleted afterwards.</summary>
    public required string WorkDir { get; init; }
}

/// <summary>
/// How a GPU measurement ended: a rate, or why there is none (<see cref="Failure"/>, one line naming the cause).
/// </summary>
/// <param name="MoleculesPerSecond">The measured rate; 0 when it failed.</param>
/// <param name="Device">The device as the child named it (e.g. "Cuda: NVIDIA H100 80GB HBM3"); null when it failed.</param>
/// <param name="Failure">Null on success; else the cause: the child could not start, exited non-zero or by a signal, gave no rate, or timed out and was killed.</param>
/// <param name="Pid">The child's process id; null when it could not start.</param>
public sealed record GpuMeasureOutcome(double MoleculesPerSecond, string? Device, string? Failure, int? Pid);

/// <summary>
/// Measures a GPU's reference rate in a child process, the trial runner's <c>measure</c> mode, rather than in the
/// silo: a native crash of the CUDA driver or of ILGPU then ends the child, not the silo and its grains, and a hang is
/// cut off by a timeout instead of leaving the rate unreported for ever. The child exits by itself when the silo dies
/// (<c>--parent-pid</c>).
/// </summary>
public static class GpuMeasurement
{
    private const int MaxCauseLength = 400;

    /// <summary>
    /// Starts <c>dotnet RUNNER measure</c> for <paramref name="request"/>, passes each stderr line to
    /// <paramref name="stderrLine"/>, and reads the child's one <c>measured</c> line. Never throws for the child's
    /// failures: a child that cannot start, exits non-zero (a signal included), prints no usable rate, or outlives
    /// <see cref="GpuMeasureRequest.Timeout"/> (then it and its own children are killed) gives an outcome with
    /// <see cref="GpuMeasureOutcome.Failure"/> set.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; the child and its children were killed first.</exception>
    public static async Task<GpuMeasureOutcome> RunAsync(GpuMeasureRequest request, Action<string>? stderrLine, CancellationToken ct)
    {
        Directory.CreateDirectory(request.WorkDir);
        try
        {
            var trialPath = Path.Combine(request.WorkDir, "trial.json");
            ContractJson.Write(trialPath, request.Trial);
            var psi = RunnerProcess.StartInfo(request.RunnerPath,
                "measure", "--trial", trialPath, "--accelerator", request.Accelerator,
                "--device-index", request.DeviceIndex.ToString(), "--steps", request.Steps.ToString(), "--threads", request.Threads.ToString());
            Process process;
            try { process = Process.Start(psi)!; }
            catch (Exception e) when (e is Win32Exception or FileNotFoundException or InvalidOperationException)
            {
                return new(0, null, Shorten($"could not start the trial runner ({request.RunnerPath}): {e.Message}"), null);
            }
            using (process)
            {
                return await Watch(process, request.Timeout, stderrLine, ct);
            }
        }
        finally
        {
            try { Directory.Delete(request.WorkDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<GpuMeasureOutcome> Watch(Process process, TimeSpan timeout, Action<string>? stderrLine, CancellationToken ct)
    {
        int pid = process.Id;
        string? firstError = null;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stderrLine?.Invoke(e.Data);
            if (e.Data.Trim().Length > 0) Interlocked.CompareExchange(ref firstError, e.Data.Trim(), null);
        };
        process.BeginErrorReadLine();
        var reading = ReadMeasured(process.StandardOutput);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            await KillTree(process);
            ct.ThrowIfCancellationRequested();
            return Failed($"no result within {timeout.TotalSeconds:0.#} s (a hung driver or device?): the measuring child (pid {pid}) and its processes were killed", firstError, pid);
        }
        var measured = await reading;
        if (process.ExitCode != RunnerExitCodes.Ok)
            return Failed($"the measuring child (pid {pid}) exited with {RunnerExitClassifier.Describe(process.ExitCode)}", firstError, pid);
        if (measured is not { MoleculesPerSecond: { } rate } || !(rate > 0) || !double.IsFinite(rate))
            return Failed($"the measuring child (pid {pid}) exited 0 without a rate ({(measured is null ? "no measured line on stdout" : $"rate {measured.MoleculesPerSecond}")})", firstError, pid);
        return new(rate, measured.Device, null, pid);
    }

    /// <summary>The last <c>measured</c> line of the child's stdout (other lines ignored, as the worker does for attempts).</summary>
    private static async Task<RunnerMessage?> ReadMeasured(StreamReader stdout)
    {
        RunnerMessage? measured = null;
        string? line;
        while ((line = await stdout.ReadLineAsync()) is not null)
            if (RunnerMessage.TryParse(line) is { Kind: RunnerMessage.MeasuredKind } m) measured = m;
        return measured;
    }

    /// <summary>Kills the child and everything it started, then waits (bounded) until it is reaped.</summary>
    private static async Task KillTree(Process process)
    {
        RunnerProcess.Kill(process);
        try { await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { /* a leftover holding its pipes open; the process itself got SIGKILL */ }
    }

    private static GpuMeasureOutcome Failed(string cause, string? firstError, int pid) =>
        new(0, null, Shorten(firstError is null ? cause : $"{cause}; its stderr began: {firstError}"), pid);

    private static string Shorten(string line)
    {
        line = line.ReplaceLineEndings(" ");
        return line.Length <= MaxCauseLength ? line : line[..(MaxCauseLength - 3)] + "...";
    }
}
