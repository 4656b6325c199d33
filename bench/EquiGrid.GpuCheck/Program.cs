using System.Diagnostics;
using EquiGrid.GpuCheck;
using EquiGrid.Kernels;

// Usage: EquiGrid.GpuCheck [--accelerator cuda|cpu] [--steps N] [--batch N] [--seconds-per-config S]
//                          [--configs "0,1,2:32 0,3,4,5,6:16"] [--bench-only] [--check-only]
// Checks the ILGPU kernels and the ILGPU model on the chosen accelerator against the CPU paths, then measures training
// throughput for the two reference configurations. Exit 0 = every check passed, 1 = a check failed, 2 = bad arguments,
// 3 = no CUDA device (nothing was checked).
var accelerator = AcceleratorPreference.Cuda;
int steps = 20, batch = 32;
double budget = 90;
bool bench = true, check = true;
// The issue's two reference configurations; a dry run on ILGPU's CPU accelerator passes smaller ones (it simulates every
// GPU thread: there [0,1,2] h=32 takes minutes per step even at batch 2).
var configs = new List<(string LSet, int Hidden)> { ("0,1,2", 32), ("0,3,4,5,6", 16) };
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--accelerator" when i + 1 < args.Length:
            accelerator = args[++i] switch
            {
                "cuda" => AcceleratorPreference.Cuda,
                "cpu" => AcceleratorPreference.Cpu,
                var v => Fail<AcceleratorPreference>($"--accelerator '{v}': use cuda or cpu"),
            };
            break;
        case "--steps": steps = PositiveInt(args, ref i, "--steps", "20"); break;
        case "--batch": batch = PositiveInt(args, ref i, "--batch", "32"); break;
        case "--seconds-per-config": budget = PositiveInt(args, ref i, "--seconds-per-config", "90"); break;
        case "--configs" when i + 1 < args.Length: configs = Configs(args[++i]); break;
        case "--bench-only": check = false; break;
        case "--check-only": bench = false; break;
        default: Fail<int>($"unknown argument '{args[i]}': use --accelerator cuda|cpu, --steps N, --batch N, --seconds-per-config S, --bench-only, --check-only"); break;
    }
}

KernelAccelerator device;
try { device = KernelAccelerator.Create(accelerator); }
catch (InvalidOperationException)
{
    Console.Error.WriteLine("gpu-check: no CUDA device: ILGPU finds no NVIDIA GPU with a working driver on this machine, so nothing was checked (a dry run on ILGPU's CPU accelerator: EQUIGRID_ACCELERATOR=cpu bash scripts/gpu-check.sh, or --accelerator cpu)");
    return 3;
}
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
        Console.WriteLine($"checks: {(ok ? "all passed" : "FAILED")} after {clock.Elapsed.TotalSeconds:F0} s");
    }
    if (bench)
    {
        foreach (var (lset, hidden) in configs)
        {
            var r = TrainingThroughput.Measure(device, lset, hidden, batch, steps, budget);
            Console.WriteLine($"bench L=[{lset}] h={hidden} batch={batch}: {r.Best:F1} molecules/s (best of 3 x {r.Steps} steps; median {r.Median:F1}) on {device.Name}");
        }
    }
    Console.WriteLine($"{(ok ? "PASS" : "FAIL")} in {clock.Elapsed.TotalSeconds:F0} s");
    return ok ? 0 : 1;
}

static List<(string, int)> Configs(string text)
{
    var result = new List<(string, int)>();
    foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    {
        var parts = item.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], out var h) || h <= 0 || !IsLSet(parts[0]))
            return Fail<List<(string, int)>>($"--configs: '{item}' is not LSET:HIDDEN, e.g. --configs \"0,1,2:32 0,3,4,5,6:16\"");
        result.Add((parts[0], h));
    }
    return result.Count > 0 ? result : Fail<List<(string, int)>>("--configs: empty; e.g. --configs \"0,1,2:32\"");
}

static bool IsLSet(string text)
{
    try { LSet.Parse(text); return true; }
    catch (Exception e) when (e is FormatException or ArgumentException) { return false; }
}

static int PositiveInt(string[] args, ref int i, string name, string example)
{
    if (i + 1 < args.Length && int.TryParse(args[i + 1], out var v) && v > 0)
    {
        i++;
        return v;
    }
    return Fail<int>($"{name}: needs a positive whole number, e.g. {name} {example}");
}

static T Fail<T>(string message)
{
    Console.Error.WriteLine($"gpu-check: error: {message}");
    Environment.Exit(2);
    return default!;
}
