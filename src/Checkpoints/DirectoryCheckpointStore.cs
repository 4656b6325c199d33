using System.Security.Cryptography;

namespace EquiGrid.Checkpoints;

/// <summary>
/// Checkpoints in a local directory (the embedded profile, <c>equigrid train</c>), the same layout as the blob store
/// (<see cref="CheckpointLayout"/>) under a root folder. The bytes are written to a temporary file, flushed, renamed
/// and read back to verify; the hash goes to a "&lt;name&gt;.sha256" side file written (atomically) last, which is the
/// commit mark: a checkpoint without it is not listed. The newest <c>retain</c> per trial are kept, and older ones
/// for a grace period (<see cref="CheckpointRetention"/>; default <see cref="CheckpointRetention.DefaultGrace"/>).
/// </summary>
public sealed class DirectoryCheckpointStore(string root, int retain = 3, TimeSpan? grace = null) : ICheckpointStore
{
    /// <inheritdoc />
    public async Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        var name = CheckpointLayout.Name(trialId, attempt, step);
        var path = Path.Combine(root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload.Span));
        await WriteAtomic(path, payload, ct);
        var check = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path, ct)));
        if (check != sha) throw new CheckpointCorruptException($"checkpoint {path} did not verify after writing");
        await WriteAtomic(path + ".sha256", System.Text.Encoding.ASCII.GetBytes(sha), ct);
        foreach (var old in CheckpointRetention.Expired(await ListAsync(trialId, ct), retain, grace ?? CheckpointRetention.DefaultGrace, DateTimeOffset.UtcNow))
        {
            File.Delete(Path.Combine(root, old.Location) + ".sha256");
            File.Delete(Path.Combine(root, old.Location));
        }
        return new CheckpointRef(trialId, attempt, step, name, sha, payload.Length, DateTimeOffset.UtcNow);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default)
    {
        var dir = Path.Combine(root, CheckpointLayout.TrialPrefix(trialId));
        if (!Directory.Exists(dir)) return [];
        var list = new List<CheckpointRef>();
        foreach (var mark in Directory.EnumerateFiles(dir, "*.ckpt.sha256", SearchOption.AllDirectories))
        {
            var path = mark[..^".sha256".Length];
            var name = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (!CheckpointLayout.TryParse(name, out var attempt, out var step) || !File.Exists(path)) continue;
            var sha = (await File.ReadAllTextAsync(mark, ct)).Trim();
            var info = new FileInfo(path);
            list.Add(new CheckpointRef(trialId, attempt, step, name, sha, info.Length, info.LastWriteTimeUtc));
        }
        return list.OrderByDescending(c => c.Step).ThenByDescending(c => c.Attempt).ToList();
    }

    /// <inheritdoc />
    public async Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default)
    {
        var path = Path.Combine(root, checkpoint.Location);
        byte[] bytes;
        try { bytes = await File.ReadAllBytesAsync(path, ct); }
        catch (IOException e) { throw new CheckpointCorruptException($"checkpoint {path} could not be read: {e.Message}", e); }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(sha, checkpoint.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointCorruptException($"checkpoint {path} is corrupt: its SHA-256 differs from the recorded one");
        return bytes;
    }

    private static async Task WriteAtomic(string path, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await f.WriteAsync(bytes, ct);
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
