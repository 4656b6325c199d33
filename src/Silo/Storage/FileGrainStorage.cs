using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace EquiGrid.Silo.Storage;

/// <summary>
/// Grain state on local disk for the embedded profile (Orleans ships no file provider). One file per grain under
/// <c>{root}/{state name}/{grain id}.state</c>: an 8-byte version (the ETag) followed by the Orleans-serialised state.
/// Writes go to a temporary file that is flushed to disk and then renamed over the old one, so a crash leaves either
/// the old or the new state, never a torn one. The ETag check rejects a write based on a stale read.
/// </summary>
public sealed class FileGrainStorage(string root, IGrainStorageSerializer serializer, ILogger<FileGrainStorage> logger) : IGrainStorage
{
    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        var bytes = await File.ReadAllBytesAsync(path);
        if (bytes.Length < sizeof(long)) throw new InvalidDataException($"grain state file '{path}' is truncated ({bytes.Length} bytes)");
        long version = BitConverter.ToInt64(bytes, 0);
        try
        {
            grainState.State = serializer.Deserialize<T>(new BinaryData(bytes.AsMemory(sizeof(long))));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Name the file: the operator must restore or move it; Orleans' own wrapper names only the grain.
            throw new InvalidDataException($"grain state file '{path}' is corrupt ({e.Message}); restore it from a backup, or move it away to start that grain afresh", e);
        }
        grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        long current = CurrentVersion(path);
        CheckETag(path, current, grainState.ETag);
        long next = current + 1;
        var payload = serializer.Serialize(grainState.State).ToMemory();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(BitConverter.GetBytes(next));
            await file.WriteAsync(payload);
            await file.FlushAsync();
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        CheckETag(path, CurrentVersion(path), grainState.ETag);
        File.Delete(path);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    private void CheckETag(string path, long current, string? etag)
    {
        string? expected = current == 0 ? null : current.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (etag == expected) return;
        logger.LogWarning("Grain state {Path}: ETag {ETag} does not match stored version {Stored}", path, etag, expected);
        throw new InconsistentStateException($"grain state '{path}' changed since it was read", expected, etag);
    }

    private static long CurrentVersion(string path)
    {
        if (!File.Exists(path)) return 0;
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[sizeof(long)];
        return file.Read(head) == sizeof(long) ? BitConverter.ToInt64(head) : 0;
    }

    private string PathFor(string stateName, GrainId grainId)
    {
        // Grain keys contain '/' (trial ids are "study/trial"): escape everything outside a safe set, reversibly.
        var key = grainId.ToString();
        var safe = new System.Text.StringBuilder(key.Length);
        foreach (var ch in key)
        {
            if (char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.') safe.Append(ch);
            else safe.Append('%').Append(((int)ch).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return Path.Combine(root, stateName, safe + ".state");
    }
}
