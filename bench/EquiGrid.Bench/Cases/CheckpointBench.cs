using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EquiGrid.Silo.Checkpoints;
using EquiGrid.Training;

namespace EquiGrid.Bench.Cases;

/// <summary>
/// Checkpoint upload/download MB/s of the blob store against a real Azurite started on a free loopback port, with
/// the local-directory store measured in the same process as the baseline.
/// Usage: checkpoint [size MiB = 16] [repetitions = 5]   (Azurite from $EQUIGRID_AZURITE or .tools/)
/// </summary>
public static class CheckpointBench
{
    /// <summary>Azurite's public, documented development account key (not a secret).</summary>
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static int Run(string[] args)
    {
        int mib = args.Length > 0 ? int.Parse(args[0]) : 16;
        int reps = args.Length > 1 ? int.Parse(args[1]) : 5;
        var azurite = Environment.GetEnvironmentVariable("EQUIGRID_AZURITE") is { Length: > 0 } env && File.Exists(env)
            ? env : Path.GetFullPath(".tools/node_modules/.bin/azurite-blob");
        if (!File.Exists(azurite)) { Console.Error.WriteLine($"checkpoint bench: azurite-blob not found at {azurite} (bash scripts/test.sh installs it)"); return 2; }
        var dir = Directory.CreateTempSubdirectory("equigrid-ckpt-bench").FullName;
        int port = FreePort();
        using var server = Process.Start(new ProcessStartInfo(azurite, $"--silent --skipApiVersionCheck --blobHost 127.0.0.1 --blobPort {port} --location {Path.Combine(dir, "azurite")}")
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            WaitForPort(port);
            var payload = new byte[mib << 20];
            new Random(1).NextBytes(payload);
            var blob = new BlobCheckpointStore($"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;", "bench", retain: 2);
            var file = new FileSystemCheckpointStore(Path.Combine(dir, "files"), retain: 2);
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
            try { server.Kill(true); } catch (InvalidOperationException) { }
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

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, port); return; }
            catch (SocketException) { Thread.Sleep(100); }
        }
        throw new TimeoutException($"azurite did not listen on {port}");
    }
}
