using System.Diagnostics;
using System.Text.Json;

namespace EquiGrid.Client.Tests;

/// <summary>The training verbs through the built CLI, including a real SIGKILL of a training process.</summary>
public class TrainingCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "equigrid-cli-train-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void ModelSummaryReportsTheReferenceParameterCount()
    {
        var (code, output, _) = CliProcess.Run(120_000, "model", "summary", "--l", "0,1,2", "--hidden", "32", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(1_648_034, doc.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(5, doc.RootElement.GetProperty("blocks").GetArrayLength());
        Assert.Equal(11, doc.RootElement.GetProperty("blocks")[1].GetProperty("paths").GetArrayLength());
    }

    [Fact]
    public void ModelSummaryRejectsAnLSetWithoutScalars()
    {
        var (code, _, error) = CliProcess.Run(120_000, "model", "summary", "--l", "1,2", "--hidden", "4");
        Assert.Equal(2, code);
        Assert.Contains("order 0", error);
    }

    [Fact]
    public void TrainRefusesAnUnknownDeviceAndAGpuThisMachineDoesNotHave()
    {
        var outDir = Path.Combine(_dir, "device");
        var (code, _, error) = CliProcess.Run(120_000, "train", "--l", "0,1", "--hidden", "2", "--device", "tpu", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("device = 'tpu'", error);
        if (EquiGrid.Kernels.KernelAccelerator.CudaDevices().Count > 0) return; // on a GPU node "gpu" is valid and would train
        (code, _, error) = CliProcess.Run(120_000, "train", "--l", "0,1", "--hidden", "2", "--device", "gpu", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("no CUDA device", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(Directory.Exists(outDir), "a refused device left an output folder behind");
    }

    [Fact]
    public void TrainingOnACorruptXzFileNamesItAndLeavesNoOutputFolder()
    {
        Directory.CreateDirectory(_dir);
        // A real xz header followed by garbage: the decompressor fails mid-stream (before: "Data Error", exit 1).
        var corrupt = Path.Combine(_dir, "qm9-corrupt.xyz.xz");
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04, 0xE6, 0xD6, 0xB4, 0x46 }.CopyTo(bytes, 0);
        File.WriteAllBytes(corrupt, bytes);
        // Random bytes merely named .xz (before: read as text and echoed back in the parse error).
        var notXz = Path.Combine(_dir, "qm9-random.xyz.xz");
        var random = new byte[4096];
        new Random(6).NextBytes(random);
        random[0] = 0x41;
        File.WriteAllBytes(notXz, random);
        foreach (var (data, expected) in new[] { (corrupt, "corrupt xz data"), (notXz, "is not xz-compressed") })
        {
            var outDir = Path.Combine(_dir, "out-" + Path.GetFileNameWithoutExtension(data));
            var (code, output, error) = CliProcess.Run(120_000, "train", "--l", "0,1", "--hidden", "2", "--epochs", "1", "--data", data, "--out", outDir);
            Assert.Equal(2, code);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(data, line);
            Assert.Contains(expected, line);
            Assert.True(line.All(c => c >= ' ' && c < 0x7f), "the error echoes binary data: " + line);
            Assert.False(Directory.Exists(outDir), "bad input left an output folder behind");
            Assert.Equal("", output);
        }
    }

    [Fact]
    public async Task TrainingKilledWithSigkillResumesToTheSameWeights()
    {
        string[] Args(string outDir) => new[]
        {
            "train", "--l", "0,1", "--hidden", "2", "--layers", "0", "--epochs", "3", "--max-molecules", "320",
            "--batch", "16", "--checkpoint-every", "3", "--threads", "1", "--out", outDir,
        };
        var reference = Path.Combine(_dir, "uninterrupted");
        var (code, _, err) = CliProcess.Run(300_000, Args(reference));
        Assert.True(code == 0, err);
        string expected = Hash(reference);

        var killed = Path.Combine(_dir, "killed");
        using (var p = Process.Start(CliProcess.StartInfo(Args(killed)))!)
        {
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            // The first committed checkpoint: its ".sha256" mark is written last (DirectoryCheckpointStore).
            var checkpoints = Path.Combine(killed, "checkpoints");
            bool Committed() => Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "*.ckpt.sha256", SearchOption.AllDirectories).Any();
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (!Committed() && !p.HasExited && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.False(p.HasExited, "training finished before it could be killed");
            p.Kill(); // SIGKILL on Linux: no chance to clean up
            p.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(killed, "result.json")));
        var (code2, output2, err2) = CliProcess.Run(300_000, Args(killed));
        Assert.True(code2 == 0, err2);
        Assert.Contains("resuming", err2);
        Assert.Equal(expected, Hash(killed));
    }

    private static string Hash(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "result.json")));
        return doc.RootElement.GetProperty("weights_sha256").GetString()!;
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }
}
