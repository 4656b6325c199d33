using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using EquiGrid.Grains.Scheduling;
using EquiGrid.Kernels;
using EquiGrid.LocalServers;
using EquiGrid.Silo.Hosting;
using EquiGrid.Silo.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Grains.Tests;

/// <summary>A worker's accelerators: declared in configuration or measured, and what placement makes of them.</summary>
[Collection(TrainingHeavy.Name)]
public class NodeAcceleratorsTests
{
    private static WorkerSettings Bind(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("EquiGrid:Worker").Get<WorkerSettings>()!;

    [Fact]
    public void Declared_accelerators_bind_from_configuration_and_set_the_node_memory_and_gpu()
    {
        var w = Bind(new()
        {
            ["EquiGrid:Worker:Accelerators:0:Name"] = "Xeon", ["EquiGrid:Worker:Accelerators:0:Kind"] = "cpu",
            ["EquiGrid:Worker:Accelerators:0:MemoryGiB"] = "16", ["EquiGrid:Worker:Accelerators:0:MoleculesPerSecond"] = "80",
            ["EquiGrid:Worker:Accelerators:1:Name"] = "A100", ["EquiGrid:Worker:Accelerators:1:Kind"] = "GPU",
            ["EquiGrid:Worker:Accelerators:1:MemoryGiB"] = "40", ["EquiGrid:Worker:Accelerators:1:MoleculesPerSecond"] = "3000",
            ["EquiGrid:Worker:Accelerators:2:Name"] = "H100", ["EquiGrid:Worker:Accelerators:2:Kind"] = "gpu",
            ["EquiGrid:Worker:Accelerators:2:MemoryGiB"] = "80",
        });
        var declared = NodeAccelerators.Declared(w.Accelerators);
        Assert.Equal([AcceleratorKind.Cpu, AcceleratorKind.Gpu, AcceleratorKind.Gpu], declared.Select(a => a.Kind));
        Assert.All(declared, a => Assert.Equal("declared", a.Source));
        Assert.Equal(3000, declared[1].ReferenceMoleculesPerSecond);
        var node = NodeAccelerators.Describe(new NodeCapabilities { Name = "n", MemoryBytes = 1 }, declared);
        Assert.Equal(16L << 30, node.MemoryBytes);
        Assert.Equal("H100", node.GpuModel); // the GPU with the most memory is what placement compares
        Assert.Equal(80L << 30, node.GpuMemoryBytes);
        Assert.True(node.HasGpu);
        Assert.Equal(3, node.Accelerators.Count);
    }

    [Fact]
    public void Detected_cuda_devices_are_gpus_of_unknown_rate_that_placement_compares()
    {
        var gpus = NodeAccelerators.Detected([new CudaDeviceInfo("NVIDIA H100 80GB HBM3", 80L << 30)]);
        var gpu = Assert.Single(gpus);
        Assert.Equal(AcceleratorKind.Gpu, gpu.Kind);
        Assert.Equal("detected", gpu.Source);
        Assert.Equal(0, gpu.ReferenceMoleculesPerSecond); // never guessed: unknown until measured on the device (MeasureGpuAsync)
        var node = NodeAccelerators.Describe(new NodeCapabilities { Name = "n", MemoryBytes = 1 }, [NodeAccelerators.Cpu(50), .. gpus]);
        Assert.True(node.HasGpu);
        Assert.Equal(80L << 30, node.GpuMemoryBytes);
        Assert.Empty(NodeAccelerators.Detected([]));
    }

    [Theory]
    [InlineData("Kind", "tpu", "EquiGrid:Worker:Accelerators:0:Kind: 'tpu' is not a kind; use cpu or gpu")]
    [InlineData("MemoryGiB", "0", "EquiGrid:Worker:Accelerators:0:MemoryGiB: 0 must be a positive number of GiB")]
    [InlineData("MoleculesPerSecond", "-1", "EquiGrid:Worker:Accelerators:0:MoleculesPerSecond: -1 must be >= 0")]
    [InlineData("Name", "", "EquiGrid:Worker:Accelerators:0:Name: missing")]
    public void A_bad_declaration_names_its_key_and_the_fix(string field, string value, string message)
    {
        var values = new Dictionary<string, string?>
        {
            ["EquiGrid:Worker:Accelerators:0:Name"] = "H100", ["EquiGrid:Worker:Accelerators:0:Kind"] = "gpu",
            ["EquiGrid:Worker:Accelerators:0:MemoryGiB"] = "80",
        };
        values[$"EquiGrid:Worker:Accelerators:0:{field}"] = value;
        var e = Assert.Throws<ArgumentException>(() => NodeAccelerators.Declared(Bind(values).Accelerators));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public async Task The_cpu_is_measured_on_the_reference_trial()
    {
        double rate = await NodeAccelerators.MeasureCpuAsync(threads: 1);
        Assert.True(rate > 0 && double.IsFinite(rate), $"rate {rate}");
        var cpu = NodeAccelerators.Cpu(rate);
        Assert.Equal(AcceleratorKind.Cpu, cpu.Kind);
        Assert.True(cpu.MemoryBytes > 0);
        Assert.Equal("measured", cpu.Source);
    }

    // ILGPU's CPU accelerator stands in for a CUDA device (the same kernels, so the code path of a GPU node). It simulates
    // every GPU thread, so it trains a smaller trial than the reference: the reference there takes many minutes and GBs.
    internal static readonly TrialSpec SmallTrial = NodeAccelerators.ReferenceTrial with { Hidden = 4, Layers = 1, AtomDim = 8, BatchSize = 4 };

    /// <summary>
    /// An embedded silo whose worker finds two "GPUs" (<see cref="StandInGpus"/>), each measured in a trial-runner child
    /// process on ILGPU's CPU accelerator: the first trains, the second's child cannot open device 1 (that accelerator
    /// has device 0 only) and exits 2. The node's heartbeat carries the first one's measured rate; the second stays
    /// unknown (0, "detected") with one warning naming it and the child's cause, and the worker keeps heartbeating.
    /// </summary>
    [Fact]
    public async Task A_worker_measures_each_gpu_in_a_child_process_and_its_heartbeat_carries_the_rates()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-gpu-rate-" + Guid.NewGuid().ToString("N"));
        var warnings = new ConcurrentQueue<string>();
        using var host = StartSilo(dir, MeasuringWorker(), services => services.AddSingleton<IGpuDevices>(new StandInGpus(2)), warnings);
        try
        {
            var node = host.Services.GetRequiredService<IGrainFactory>().GetGrain<INodeGrain>("gpu-node");
            var snap = await WaitFor(node, s => s.Capabilities.Accelerators.Count == 3 && s.Capabilities.Accelerators[1].ReferenceMoleculesPerSecond > 0
                                                && warnings.Any(w => w.Contains("GPU 1")));
            var accelerators = snap.Capabilities.Accelerators;
            Assert.Equal(3, accelerators.Count);
            var (cpu, measured, failed) = (accelerators[0], accelerators[1], accelerators[2]);
            Assert.Equal((AcceleratorKind.Cpu, "measured"), (cpu.Kind, cpu.Source));
            Assert.True(cpu.ReferenceMoleculesPerSecond > 0, $"CPU rate {cpu.ReferenceMoleculesPerSecond}");
            Assert.Equal(("stand-in GPU 0", AcceleratorKind.Gpu, 2L << 30, "measured"), (measured.Name, measured.Kind, measured.MemoryBytes, measured.Source));
            Assert.True(measured.ReferenceMoleculesPerSecond > 0 && double.IsFinite(measured.ReferenceMoleculesPerSecond), $"GPU rate {measured.ReferenceMoleculesPerSecond}");
            Assert.Equal(("stand-in GPU 1", 0.0, "detected"), (failed.Name, failed.ReferenceMoleculesPerSecond, failed.Source));
            var warning = Assert.Single(warnings, w => w.Contains("could not measure GPU"));
            Assert.Contains("could not measure GPU 1 (stand-in GPU 1); reporting its rate as unknown (0): the measuring child (pid ", warning);
            Assert.Contains("exited with 2; its stderr began: trial-runner: error: --device-index 1: ILGPU's CPU accelerator has device 0 only", warning);
            Assert.DoesNotContain('\n', warning);
            // Placement sees the node as a GPU node with the largest GPU's memory.
            Assert.True(snap.Capabilities.HasGpu);
            Assert.Equal(3L << 30, snap.Capabilities.GpuMemoryBytes);
            await AssertStillHeartbeating(node);
            Assert.Empty(Signals.Children(Environment.ProcessId, "EquiGrid.TrialRunner.dll"));
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A GPU whose measuring child crashes (SIGABRT, as a native driver crash would end it) or hangs (killed at the
    /// timeout, with the process it started): the silo is unharmed, the GPU is reported with rate 0 and one warning
    /// says which device and why, the worker keeps heartbeating, and no process is left behind.
    /// </summary>
    [Theory]
    [InlineData("crash")]
    [InlineData("hang")]
    public async Task A_measuring_child_that_crashes_or_hangs_leaves_the_gpu_unknown_and_the_worker_running(string fault)
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-gpu-fault-" + Guid.NewGuid().ToString("N"));
        var warnings = new ConcurrentQueue<string>();
        using var hook = new MeasureFault(fault);
        // Long enough for the child to start and reach its hook on a loaded machine; the hang is killed after it.
        var settings = MeasuringWorker();
        settings["EquiGrid:Worker:MeasureTimeoutSeconds"] = "45";
        using var host = StartSilo(dir, settings, services => services.AddSingleton<IGpuDevices>(new StandInGpus(1)), warnings);
        try
        {
            var node = host.Services.GetRequiredService<IGrainFactory>().GetGrain<INodeGrain>("gpu-node");
            var snap = await WaitFor(node, s => s.Capabilities.Accelerators.Count == 2 && warnings.Any(w => w.Contains("GPU 0")), TimeSpan.FromMinutes(4));
            var warning = Assert.Single(warnings, w => w.Contains("could not measure GPU"));
            Assert.Contains("could not measure GPU 0 (stand-in GPU 0); reporting its rate as unknown (0): ", warning);
            Assert.DoesNotContain('\n', warning);
            var gpu = snap.Capabilities.Accelerators[1];
            Assert.Equal(("stand-in GPU 0", 0.0, "detected"), (gpu.Name, gpu.ReferenceMoleculesPerSecond, gpu.Source));
            int child = int.Parse(Regex.Match(warning, @"the measuring child \(pid (\d+)\)").Groups[1].Value);
            var pids = new List<int> { child };
            if (fault == "crash")
            {
                Assert.Contains($"the measuring child (pid {child}) exited with 134 (SIGABRT); its stderr began: trial-runner: measure: test hook {MeasureFault.Variable}=crash", warning);
            }
            else
            {
                Assert.Contains("no result within 45 s (a hung driver or device?): the measuring child (pid ", warning);
                var grandchild = Regex.Match(warning, @"hanging \(pid (\d+), grandchild pid (\d+)\)");
                Assert.True(grandchild.Success, $"the hung child never reported its grandchild: {warning}");
                Assert.Equal(child, int.Parse(grandchild.Groups[1].Value));
                pids.Add(int.Parse(grandchild.Groups[2].Value));
            }
            await AssertGone(pids);
            await AssertStillHeartbeating(node);
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>A measurement setting out of range stops the silo at the worker's start with one line naming the key and the fix.</summary>
    [Theory]
    [InlineData("MeasureSteps", "0", "EquiGrid:Worker:MeasureSteps: 0 must be at least 1, e.g. 4")]
    [InlineData("MeasureTimeoutSeconds", "0", "EquiGrid:Worker:MeasureTimeoutSeconds: 0 must be a positive number of seconds, e.g. 300")]
    [InlineData("MeasureTimeoutSeconds", "-5", "EquiGrid:Worker:MeasureTimeoutSeconds: -5 must be a positive number of seconds, e.g. 300")]
    public async Task A_bad_measurement_setting_stops_the_worker_with_the_key_and_the_fix(string key, string value, string message)
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-measure-setting-" + Guid.NewGuid().ToString("N"));
        var warnings = new ConcurrentQueue<string>();
        var settings = MeasuringWorker();
        settings[$"EquiGrid:Worker:{key}"] = value;
        using var host = StartSilo(dir, settings, services => services.AddSingleton<IGpuDevices>(new StandInGpus(1)), warnings);
        try
        {
            var stopping = new TaskCompletionSource();
            using var _ = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
            await stopping.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Contains(warnings, w => w.Contains(message));
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static Dictionary<string, string> MeasuringWorker() => new()
    {
        ["EquiGrid:Worker:NodeName"] = "gpu-node", ["EquiGrid:Worker:PollInterval"] = "00:00:00.200",
        ["EquiGrid:Worker:MeasureThroughput"] = "true", ["EquiGrid:Worker:MeasureSteps"] = "1", ["EquiGrid:Worker:Threads"] = "1",
    };

    private static async Task<NodeSnapshot> WaitFor(INodeGrain node, Func<NodeSnapshot, bool> done, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromMinutes(4));
        var snap = await node.GetSnapshot();
        while (!done(snap) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            snap = await node.GetSnapshot();
        }
        return snap;
    }

    /// <summary>Two more heartbeats arrive (one a second with the tests' 3 s lease): the worker outlived the measurement.</summary>
    private static async Task AssertStillHeartbeating(INodeGrain node)
    {
        long before = (await node.GetSnapshot()).Heartbeats;
        var snap = await WaitFor(node, s => s.Heartbeats >= before + 2, TimeSpan.FromMinutes(1));
        Assert.True(snap.Heartbeats >= before + 2 && snap.Alive, $"heartbeats {before} -> {snap.Heartbeats}, alive {snap.Alive}");
    }

    /// <summary>Every process in <paramref name="pids"/> ends (a SIGKILLed one may take a moment to be reaped).</summary>
    internal static async Task AssertGone(IReadOnlyList<int> pids)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (pids.Any(p => !Signals.IsGone(p)) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.All(pids, p => Assert.True(Signals.IsGone(p), $"process {p} is still running: {string.Join(' ', Signals.Arguments(p))}"));
    }

    /// <summary>
    /// Stand-in GPUs on ILGPU's CPU accelerator training <see cref="SmallTrial"/>: device 0 trains, any further device
    /// cannot be opened there (that accelerator has device 0 only), as a broken GPU would fail.
    /// </summary>
    private sealed class StandInGpus(int count) : IGpuDevices
    {
        public IReadOnlyList<CudaDeviceInfo> List() => Enumerable.Range(0, count).Select(i => new CudaDeviceInfo($"stand-in GPU {i}", (2L + i) << 30)).ToList();

        public string Accelerator => MeasureAccelerators.Cpu;

        public TrialSpec Trial => SmallTrial;
    }

    /// <summary>Keeps the worker's warnings and errors for a test to read.</summary>
    private sealed class WarningRecorder(ConcurrentQueue<string> warnings) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(warnings);

        public void Dispose() { }

        private sealed class Recorder(ConcurrentQueue<string> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                // A failed background service logs its exception apart from the message: keep both.
                if (IsEnabled(logLevel)) warnings.Enqueue(exception is null ? formatter(state, exception) : $"{formatter(state, exception)}: {exception.Message}");
            }
        }
    }

    private static IHost StartSilo(string dir, Dictionary<string, string> settings, Action<IServiceCollection>? services = null,
        ConcurrentQueue<string>? warnings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
        if (warnings is not null) builder.Logging.AddProvider(new WarningRecorder(warnings));
        services?.Invoke(builder.Services);
        builder.Configuration["EquiGrid:Scheduling:LeaseDuration"] = "00:00:03";
        foreach (var (k, v) in settings) builder.Configuration[k] = v;
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; (s.SiloPort, s.GatewayPort) = Loopback.TwoFreePorts(); s.Token = null; });
        var host = builder.Build();
        host.Start();
        return host;
    }

    private static NodeCapabilities Declared(string name, params AcceleratorSettings[] accelerators) =>
        NodeAccelerators.Describe(new NodeCapabilities { Name = name, Cores = 2, MemoryBytes = 64L << 30 }, NodeAccelerators.Declared(accelerators));

    /// <summary>
    /// Nodes with declared accelerators on an embedded silo: a trial never goes to a node it does not fit, GPU-first
    /// trials (large L-sets and widths) go to the GPU node, the one with the most work first, and the CPU node takes
    /// them while the GPU node's slot is taken.
    /// </summary>
    [Fact]
    public async Task Declared_nodes_get_trials_by_memory_gpu_first_and_the_cpu_node_helps_while_the_gpu_is_busy()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-placement-" + Guid.NewGuid().ToString("N"));
        using var host = StartSilo(dir, new() { ["EquiGrid:Worker:Enabled"] = "false" });
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            // L=[0,1,2] h=32 and h=16 are CPU-sized; [0,3,4,5,6] h=32 needs ~2.6 GiB (large), h=16 ~23x the reference's work.
            await grains.GetGrain<IStudyGrain>("place").Submit(TestStudies.Grid("place", seeds: 1));
            var gpu = Declared("gpu-node", new AcceleratorSettings { Name = "H100", Kind = "gpu", MemoryGiB = 80, MoleculesPerSecond = 5000 });
            var cpu = Declared("cpu-node", new AcceleratorSettings { Name = "small CPU", Kind = "cpu", MemoryGiB = 2, MoleculesPerSecond = 80 });
            await grains.GetGrain<INodeGrain>(gpu.Name).Heartbeat(gpu, []);
            await grains.GetGrain<INodeGrain>(cpu.Name).Heartbeat(cpu, []);
            var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
            async Task<string> Next(NodeCapabilities node) => await scheduler.Lease(node) is { } l ? $"{l.Config.LSet} h{l.Config.Hidden}" : "none";
            Assert.Equal("0,1,2 h32", await Next(cpu)); // the idle GPU node keeps the GPU-first trials
            Assert.Equal("0,3,4,5,6 h32", await Next(gpu)); // GPU-first, the most work first
            // The GPU node's one slot is taken: the CPU node takes what fits its 2 GiB, GPU-first work included.
            Assert.Equal("0,1,2 h16", await Next(cpu));
            Assert.Equal("0,3,4,5,6 h16", await Next(cpu));
            Assert.Equal("none", await Next(cpu));
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// An embedded silo whose worker declares a 1 GiB CPU: its node reports the declared accelerator, and a trial that
    /// needs more memory is never leased (the scheduler counts it as fitting no live node).
    /// </summary>
    [Fact]
    public async Task An_embedded_worker_with_declared_capabilities_is_never_given_a_trial_it_does_not_fit()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-declared-" + Guid.NewGuid().ToString("N"));
        using var host = StartSilo(dir, new()
        {
            ["EquiGrid:Worker:NodeName"] = "small-node", ["EquiGrid:Worker:PollInterval"] = "00:00:00.200",
            ["EquiGrid:Worker:Accelerators:0:Name"] = "test CPU", ["EquiGrid:Worker:Accelerators:0:Kind"] = "cpu",
            ["EquiGrid:Worker:Accelerators:0:MemoryGiB"] = "1", ["EquiGrid:Worker:Accelerators:0:MoleculesPerSecond"] = "50",
        });
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var big = new TrialSpec { LSet = "0,3,4,5,6", Hidden = 32, Epochs = 1, MaxMolecules = 32 };
            Assert.True(TrialResourceEstimate.For(big).MemoryBytes > 1L << 30);
            await grains.GetGrain<IStudyGrain>("too-big").Submit(new StudyDefinition { Id = "too-big", Base = big, Axes = [new GridAxis("seed", ["1"])] });
            var scheduler = grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey);
            // The worker's first heartbeat and poll: seconds, more on a loaded machine (2 min is a bound, not a timing check).
            SchedulerSnapshot snap = await scheduler.GetSnapshot();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while ((snap.FitNoLiveNode == 0 || !snap.Nodes.Contains("small-node")) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                snap = await scheduler.GetSnapshot();
            }
            Assert.Contains("small-node", snap.Nodes);
            Assert.Equal(1, snap.FitNoLiveNode);
            // The worker keeps polling; the trial stays queued.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var trial = (await grains.GetGrain<IStudyGrain>("too-big").GetTrials()).Single();
            Assert.Equal(TrialStatus.Queued, trial.Status);
            Assert.Equal(0, trial.Attempt);
            var node = await grains.GetGrain<INodeGrain>("small-node").GetSnapshot();
            var accelerator = Assert.Single(node.Capabilities.Accelerators);
            Assert.Equal(("test CPU", AcceleratorKind.Cpu, 1L << 30, 50.0, "declared"),
                (accelerator.Name, accelerator.Kind, accelerator.MemoryBytes, accelerator.ReferenceMoleculesPerSecond, accelerator.Source));
            Assert.Equal(1L << 30, node.Capabilities.MemoryBytes);
            await grains.GetGrain<IStudyGrain>("too-big").Cancel();
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}

/// <summary>
/// Tests that train real models (the node's throughput measurements: TorchSharp in the test process and ILGPU's CPU
/// accelerator in runner children) or set the measuring child's test hook (<see cref="MeasureFault"/>, a process-wide
/// environment variable). They run alone, after the parallel tests, so that they never starve the multi-process
/// cluster tests beside them, whose silos must reach a checkpoint within a bounded time, and no other test's child
/// sees the hook.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingHeavy
{
    public const string Name = "training-heavy";
}

/// <summary>
/// Sets the trial runner's measure-mode test hook (<c>EQUIGRID_MEASURE_TEST_FAULT</c>: crash or hang) for the children
/// started while it lives (they inherit this process's environment), and unsets it on dispose.
/// </summary>
internal sealed class MeasureFault : IDisposable
{
    public const string Variable = "EQUIGRID_MEASURE_TEST_FAULT";

    public MeasureFault(string fault) => Environment.SetEnvironmentVariable(Variable, fault);

    public void Dispose() => Environment.SetEnvironmentVariable(Variable, null);
}
