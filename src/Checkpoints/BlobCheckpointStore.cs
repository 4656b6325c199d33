using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace EquiGrid.Checkpoints;

/// <summary>
/// Checkpoints in Azure Blob Storage (Azurite locally). Each checkpoint is an immutable blob named by
/// <see cref="CheckpointLayout"/> with its SHA-256 in the blob metadata. Saving is write-then-commit: the bytes are
/// uploaded with a transfer MD5 the service checks, the stored blob is then verified (length and hash metadata)
/// before the reference is returned; only then does the worker move the trial's latest pointer (in grain state).
/// A blob that is not yet verified is never referenced, so a crash mid-upload cannot corrupt the latest pointer.
/// Loading re-hashes the content and throws <see cref="CheckpointCorruptException"/> on a mismatch, so the caller
/// falls back to the previous checkpoint. The newest <c>retain</c> checkpoints per trial are kept, older ones for a grace period (<see cref="CheckpointRetention"/>).
/// </summary>
public sealed class BlobCheckpointStore : ICheckpointStore
{
    /// <summary>Metadata key of the content hash.</summary>
    public const string HashKey = "sha256";

    private readonly BlobContainerClient _container;
    private readonly int _retain;
    private readonly TimeSpan _grace;
    private bool _created;

    /// <summary>Creates a store over a container (created on first save if missing).</summary>
    /// <param name="connectionString">Azure Storage connection string ("UseDevelopmentStorage=true" or Azurite's).</param>
    /// <param name="container">Container name.</param>
    /// <param name="retain">Checkpoints kept per trial (at least 1).</param>
    /// <param name="grace">Older checkpoints are kept while younger than this (<see cref="CheckpointRetention"/>; default <see cref="CheckpointRetention.DefaultGrace"/>).</param>
    public BlobCheckpointStore(string connectionString, string container = "equigrid-checkpoints", int retain = 3, TimeSpan? grace = null)
    {
        if (retain < 1) throw new ArgumentOutOfRangeException(nameof(retain), retain, "keep at least one checkpoint per trial");
        BlobContainerName.Validate(container);
        _container = new BlobContainerClient(connectionString, container);
        _retain = retain;
        _grace = grace ?? CheckpointRetention.DefaultGrace;
    }

    /// <summary>The container (tests corrupt blobs through it).</summary>
    public BlobContainerClient Container => _container;

    /// <inheritdoc />
    public async Task<CheckpointRef> SaveAsync(string trialId, int attempt, long step, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        if (!_created) { await _container.CreateIfNotExistsAsync(cancellationToken: ct); _created = true; }
        var name = CheckpointLayout.Name(trialId, attempt, step);
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload.Span));
        var blob = _container.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(payload), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [HashKey] = sha },
            HttpHeaders = new BlobHttpHeaders { ContentHash = MD5.HashData(payload.Span), ContentType = "application/octet-stream" },
        }, ct);
        // Verify what the service stored before anyone may reference it.
        var props = (await blob.GetPropertiesAsync(cancellationToken: ct)).Value;
        if (props.ContentLength != payload.Length || !props.Metadata.TryGetValue(HashKey, out var stored) || stored != sha)
            throw new CheckpointCorruptException($"checkpoint {name} did not verify after upload ({props.ContentLength} of {payload.Length} bytes)");
        var created = props.CreatedOn;
        await ApplyRetention(trialId, ct);
        return new CheckpointRef(trialId, attempt, step, name, sha, payload.Length, created);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckpointRef>> ListAsync(string trialId, CancellationToken ct = default)
    {
        var list = new List<CheckpointRef>();
        try
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, CheckpointLayout.TrialPrefix(trialId), ct))
            {
                if (!CheckpointLayout.TryParse(item.Name, out var attempt, out var step)) continue;
                if (!item.Metadata.TryGetValue(HashKey, out var sha)) continue; // never verified: not committed
                list.Add(new CheckpointRef(trialId, attempt, step, item.Name, sha, item.Properties.ContentLength ?? 0,
                    item.Properties.CreatedOn ?? DateTimeOffset.MinValue));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [];
        }
        return list.OrderByDescending(c => c.Step).ThenByDescending(c => c.Attempt).ToList();
    }

    /// <inheritdoc />
    public async Task<byte[]> LoadAsync(CheckpointRef checkpoint, CancellationToken ct = default)
    {
        byte[] bytes;
        try
        {
            bytes = (await _container.GetBlobClient(checkpoint.Location).DownloadContentAsync(ct)).Value.Content.ToArray();
        }
        catch (RequestFailedException e)
        {
            throw new CheckpointCorruptException($"checkpoint {checkpoint.Location} could not be read: {e.Status} {e.ErrorCode}", e);
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(sha, checkpoint.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointCorruptException($"checkpoint {checkpoint.Location} is corrupt: SHA-256 {sha[..12]}... differs from the recorded {checkpoint.Sha256[..Math.Min(12, checkpoint.Sha256.Length)]}...");
        return bytes;
    }

    private async Task ApplyRetention(string trialId, CancellationToken ct)
    {
        var all = await ListAsync(trialId, ct);
        foreach (var old in CheckpointRetention.Expired(all, _retain, _grace, DateTimeOffset.UtcNow))
            await _container.GetBlobClient(old.Location).DeleteIfExistsAsync(cancellationToken: ct);
    }
}
