using System.Diagnostics;
using EquiGrid.GpuCheck;
using EquiGrid.Kernels;

// Usage: EquiGrid.GpuCheck [--accelerator cuda|cpu] [--steps N] [--bench-only] [--check-only]
// Checks the ILGPU kernels and the ILGPU model on the chosen accelerator against the CPU paths, then measures training
// throughput for the two reference configurations. Exit 0 = every check passed, 1 = a check failed, 2 = bad arguments.
var accelerator = AcceleratorPreference.Cuda;
int steps = 20;
bool bench = true, check = true;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--accelerator" when i + 1 < args.Length:
            accelerator = args[++i] switch
            {
                "cuda" => AcceleratorPreference.Cuda,
                "cpu" => AcceleratorPreference.Cpu,
                var v => Fail($"--accelerator '{v}': use cuda or cpu"),
            };
            break;
        case "--steps" when i + 1 < args.Length && int.TryParse(args[i + 1], out var s) && s > 0: steps = s; i++; break;
        case "--bench-only": check = false; break;
        case "--check-only": bench = false; break;
        default: Fail($"unknown argument '{args[i]}': use --accelerator cuda|cpu, --steps N, --bench-only, --check-only"); break;
    }
}

KernelAccelerator device;
try { device = KernelAccelerator.Create(accelerator); }
catch (InvalidOperationException e) { Console.Error.WriteLine($"gpu-check: error: {e.Message}"); return 1; }
using (device)
{
    Console.WriteLine(device.IsCuda ? $"device: {device.Name} ({device.Accelerator.MemorySize / (1024.0 * 1024 * 1024):F1} GiB)" : $"device: {device.Name}");
    var clock = Stopwatch.StartNew();
    bool ok = true;
    if (check)
    {
        using var reference = KernelAccelerator.CreateCpu();
        ok &= DeviceChecks.Kernels(device);
        ok &= DeviceChecks.Model(device, reference, "0,1,2", 4);
        ok &= DeviceChecks.Model(device, reference, "0,3,4", 2);
    }
    if (bench)
    {
        foreach (var (lset, hidden) in new[] { ("0,1,2", 32), ("0,3,4,5,6", 16) })
        {
            var r = TrainingThroughput.Measure(device, lset, hidden, batchSize: 32, steps);
            Console.WriteLine($"bench L=[{lset}] h={hidden} batch=32: {r.Best:F1} molecules/s (best of 3 x {steps} steps; median {r.Median:F1}) on {device.Name}");
        }
    }
    Console.WriteLine($"{(ok ? "PASS" : "FAIL")} in {clock.Elapsed.TotalSeconds:F0} s");
    return ok ? 0 : 1;
}

static AcceleratorPreference Fail(string message)
{
    Console.Error.WriteLine($"gpu-check: error: {message}");
    Environment.Exit(2);
    return default;
}
