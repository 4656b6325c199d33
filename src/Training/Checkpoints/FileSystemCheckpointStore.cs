using System.Security.Cryptography;
using System.Text.Json;

namespace EquiGrid.Training;

/// <summary>
/// Checkpoints in a local directory: <c>ROOT/TRIAL/attempt-N/step-S.ckpt</c> plus a per-trial <c>index.json</c> that
/// lists the committed ones. Each save writes a temporary file, flushes it to disk, re-reads and verifies its
/// SHA-256, renames it into place and only then rewrites the index the same way; a crash at any point leaves the
/// previous index (and so the previous latest checkpoint) intact. The last <see cref="Retain"/> are kept.
/// </summary>
public sealed class FileSystemCheckpointStore : ICheckpointStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _root;

    /// <summary>Creates a store under <paramref name="root"/> (created when missing).</summary>
    public FileSystemCheckpointStore(string root, int retain = 3)
    {
        if (retain < 1) throw new ArgumentOutOfRangeException(nameof(retain), retain, "keep at least one checkpoint");
        _root = Path.GetFullPath(root);
        Retain = retain;
        Directory.CreateDirectory(_root);
    }

    /// <summary>How many committed checkpoints per trial are kept.</summary>
    public int Retain { get; }

    /// <inheritdoc />
    public async Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        var dir = TrialDir(trialId);
        var relative = Path.Combine($"attempt-{attempt}", $"step-{step}.ckpt");
        var path = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload.Span));
        await WriteAtomicAsync(path, payload, ct);
        var written = await File.ReadAllBytesAsync(path, ct);
        if (Convert.ToHexStringLower(SHA256.HashData(written)) != sha)
            throw new IOException($"checkpoint {path} did not read back as written");
        var reference = new CheckpointRef(trialId, attempt, step, relative, sha, payload.Length, DateTimeOffset.UtcNow);
        var index = (await ReadIndexAsync(trialId, ct)).Where(c => c.Location != relative).Prepend(reference).ToList();
        var removed = index.Skip(Retain).ToList();
        index = index.Take(Retain).ToList();
        await WriteAtomicAsync(IndexPath(trialId), JsonSerializer.SerializeToUtf8Bytes(index, Json), ct);
        foreach (var old in removed)
        {
            try { File.Delete(Path.Combine(dir, old.Location)); }
            catch (IOException) { /* retention is best effort: a leftover file is never referenced again */ }
        }
        return reference;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default) => await ReadIndexAsync(trialId, ct);

    /// <inheritdoc />
    public async Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default)
    {
        var path = Path.Combine(TrialDir(checkpoint.TrialId), checkpoint.Location);
        byte[] bytes;
        try { bytes = await File.ReadAllBytesAsync(path, ct); }
        catch (IOException e) { throw new CheckpointCorruptException($"checkpoint {path} cannot be read: {e.Message}", e); }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != checkpoint.Sha256)
            throw new CheckpointCorruptException($"checkpoint {path} has SHA-256 {sha}, expected {checkpoint.Sha256}");
        return bytes;
    }

    private string TrialDir(string trialId)
    {
        if (string.IsNullOrWhiteSpace(trialId) || trialId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || trialId.Contains(".."))
            throw new ArgumentException($"trial id '{trialId}' cannot be used as a directory name", nameof(trialId));
        return Path.Combine(_root, trialId);
    }

    private string IndexPath(string trialId) => Path.Combine(TrialDir(trialId), "index.json");

    private async Task<List<CheckpointRef>> ReadIndexAsync(string trialId, CancellationToken ct)
    {
        var path = IndexPath(trialId);
        if (!File.Exists(path)) return new List<CheckpointRef>();
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<List<CheckpointRef>>(stream, Json, ct) ?? new List<CheckpointRef>();
    }

    private static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var tmp = path + $".tmp-{Environment.ProcessId}";
        await using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough))
        {
            await f.WriteAsync(bytes, ct);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
