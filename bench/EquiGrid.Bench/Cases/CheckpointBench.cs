using System.Diagnostics;
using EquiGrid.LocalServers;
using EquiGrid.Checkpoints;
using EquiGrid.Training;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// Checkpoint upload/download MB/s of the blob store against a real Azurite started on a free loopback port, with
/// the local-directory store measured in the same process as the baseline.
/// Usage: checkpoint [size MiB = 16] [repetitions = 5]   (Azurite from $EQUIGRID_AZURITE or .tools/)
/// </summary>
public static class CheckpointBench
{
    public static int Run(string[] args)
    {
        int mib = args.Length > 0 ? int.Parse(args[0]) : 16;
        int reps = args.Length > 1 ? int.Parse(args[1]) : 5;
        if (Loopback.AzuritePath() is null) { Console.Error.WriteLine("checkpoint bench: azurite-blob not found (bash scripts/test.sh installs it into .tools/)"); return 2; }
        return RunAsync(mib, reps).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int mib, int reps)
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-ckpt-bench").FullName;
        await using var azurite = await AzuriteServer.StartAsync();
        try
        {
            var payload = new byte[mib << 20];
            new Random(1).NextBytes(payload);
            var blob = new BlobCheckpointStore(azurite.ConnectionString, "bench", retain: 2);
            var file = new DirectoryCheckpointStore(Path.Combine(dir, "files"), retain: 2);
            Console.WriteLine($"checkpoint {mib} MiB, best of {reps} (save = write + verify + commit; load = read + hash check)");
            Console.WriteLine("| store | save MB/s | load MB/s |");
            Console.WriteLine("|---|---:|---:|");
            var (fs, fl) = Measure(file, payload, reps);
            Console.WriteLine($"| local directory (baseline) | {fs:F0} | {fl:F0} |");
            var (bs, bl) = Measure(blob, payload, reps);
            Console.WriteLine($"| Azure Blob via Azurite (loopback) | {bs:F0} | {bl:F0} |");
            Console.WriteLine($"blob / directory: save {bs / fs:F2}x, load {bl / fl:F2}x");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
    private static (double Save, double Load) Measure(ICheckpointStore store, byte[] payload, int reps)
    {
        double mb = payload.Length / 1e6, bestSave = 0, bestLoad = 0;
        store.SaveAsync("warmup", 1, 0, payload).GetAwaiter().GetResult();
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            var reference = store.SaveAsync("bench", 1, r + 1, payload).GetAwaiter().GetResult();
            bestSave = Math.Max(bestSave, mb / sw.Elapsed.TotalSeconds);
            sw.Restart();
            var bytes = store.LoadAsync(reference).GetAwaiter().GetResult();
            bestLoad = Math.Max(bestLoad, mb / sw.Elapsed.TotalSeconds);
            if (bytes.Length != payload.Length) throw new InvalidOperationException("checkpoint came back with a different length");
        }
        return (bestSave, bestLoad);
    }
}
