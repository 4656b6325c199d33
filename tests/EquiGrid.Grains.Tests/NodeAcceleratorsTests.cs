using System.Collections.Concurrent;
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
    private static readonly TrialSpec SmallTrial = NodeAccelerators.ReferenceTrial with { Hidden = 4, Layers = 1, AtomDim = 8 };

    [Fact]
    public async Task A_gpu_is_measured_by_training_with_the_ilgpu_engine_on_the_device_it_is_given()
    {
        using var device = KernelAccelerator.CreateCpu();
        double rate = await NodeAccelerators.MeasureGpuAsync(device, threads: 1, steps: 1, trial: SmallTrial);
        Assert.True(rate > 0 && double.IsFinite(rate), $"rate {rate}");
        var gpu = NodeAccelerators.Measured(NodeAccelerators.Detected([new CudaDeviceInfo("stand-in", 1L << 30)])[0], rate);
        Assert.Equal((AcceleratorKind.Gpu, rate, "measured"), (gpu.Kind, gpu.ReferenceMoleculesPerSecond, gpu.Source));
        // The device given is the one trained on: a disposed one cannot train.
        device.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => NodeAccelerators.MeasureGpuAsync(device, threads: 1, steps: 1, trial: SmallTrial));
    }

    /// <summary>
    /// An embedded silo whose worker finds two "GPUs" (<see cref="StandInGpus"/>): the first trains on ILGPU's CPU
    /// accelerator, the second fails to open. The node's heartbeat carries the first one's measured rate; the second
    /// stays unknown (0, "detected") with a warning naming it, as a CPU that cannot be measured does.
    /// </summary>
    [Fact]
    public async Task A_worker_measures_each_gpu_it_finds_and_its_heartbeat_carries_the_rates()
    {
        var dir = Path.Combine(Path.GetTempPath(), "equigrid-gpu-rate-" + Guid.NewGuid().ToString("N"));
        var warnings = new ConcurrentQueue<string>();
        using var host = StartSilo(dir, new()
        {
            ["EquiGrid:Worker:NodeName"] = "gpu-node", ["EquiGrid:Worker:PollInterval"] = "00:00:00.200",
            ["EquiGrid:Worker:MeasureThroughput"] = "true", ["EquiGrid:Worker:MeasureSteps"] = "1", ["EquiGrid:Worker:Threads"] = "1",
        }, services => services.AddSingleton<IGpuDevices>(new StandInGpus()), warnings);
        try
        {
            var node = host.Services.GetRequiredService<IGrainFactory>().GetGrain<INodeGrain>("gpu-node");
            NodeSnapshot? snap = null;
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (DateTime.UtcNow < deadline)
            {
                snap = await node.GetSnapshot();
                if (snap.Capabilities.Accelerators.Count == 3 && snap.Capabilities.Accelerators[1].ReferenceMoleculesPerSecond > 0
                    && warnings.Any(w => w.Contains("GPU 1"))) break;
                await Task.Delay(250);
            }
            var accelerators = snap!.Capabilities.Accelerators;
            Assert.Equal(3, accelerators.Count);
            var (cpu, measured, failed) = (accelerators[0], accelerators[1], accelerators[2]);
            Assert.Equal((AcceleratorKind.Cpu, "measured"), (cpu.Kind, cpu.Source));
            Assert.True(cpu.ReferenceMoleculesPerSecond > 0, $"CPU rate {cpu.ReferenceMoleculesPerSecond}");
            Assert.Equal(("stand-in GPU 0", AcceleratorKind.Gpu, 2L << 30, "measured"), (measured.Name, measured.Kind, measured.MemoryBytes, measured.Source));
            Assert.True(measured.ReferenceMoleculesPerSecond > 0 && double.IsFinite(measured.ReferenceMoleculesPerSecond), $"GPU rate {measured.ReferenceMoleculesPerSecond}");
            Assert.Equal(("stand-in GPU 1", 0.0, "detected"), (failed.Name, failed.ReferenceMoleculesPerSecond, failed.Source));
            Assert.Contains(warnings, w => w.Contains("could not measure GPU 1 (stand-in GPU 1)") && w.Contains("no such device (test)"));
            // Placement sees the node as a GPU node with the largest GPU's memory.
            Assert.True(snap.Capabilities.HasGpu);
            Assert.Equal(3L << 30, snap.Capabilities.GpuMemoryBytes);
        }
        finally
        {
            await host.StopAsync();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>Two stand-in GPUs: device 0 trains <see cref="SmallTrial"/> on ILGPU's CPU accelerator, device 1 cannot be opened.</summary>
    private sealed class StandInGpus : IGpuDevices
    {
        public IReadOnlyList<CudaDeviceInfo> List() => [new("stand-in GPU 0", 2L << 30), new("stand-in GPU 1", 3L << 30)];

        public async Task<double> MeasureAsync(int index, int threads, int steps, CancellationToken ct)
        {
            if (index != 0) throw new InvalidOperationException("no such device (test)");
            using var device = KernelAccelerator.CreateCpu();
            return await NodeAccelerators.MeasureGpuAsync(device, threads, steps, SmallTrial, ct);
        }
    }

    /// <summary>Keeps the worker's warnings for a test to read.</summary>
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
                if (IsEnabled(logLevel)) warnings.Enqueue(formatter(state, exception));
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
        builder.AddEquiGridSilo(s => { s.Profile = "embedded"; s.DataDir = dir; s.SiloPort = Loopback.FreePort(); s.GatewayPort = Loopback.FreePort(); s.Token = null; });
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
/// Tests that train real models in the test process (the node's throughput measurements: TorchSharp and ILGPU's CPU
/// accelerator, ~35 s of both cores each). They run alone, after the parallel tests, so that they never starve the
/// multi-process cluster tests beside them, whose silos must reach a checkpoint within a bounded time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingHeavy
{
    public const string Name = "training-heavy";
}
