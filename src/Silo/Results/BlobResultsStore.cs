using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace EquiGrid.Silo.Results;

/// <summary>
/// Trials' analysis folders in Azure Blob Storage (the checkpoint container, Azurite locally), laid out by
/// <see cref="ResultsLayout"/>: one blob per file with its SHA-256 in the metadata. An upload overwrites, then deletes
/// any blob of the trial that the new folder no longer has, so a retried attempt replaces a partial upload entirely.
/// A download re-hashes every file and refuses one that differs from its recorded hash.
/// </summary>
public sealed class BlobResultsStore : IResultsStore
{
    /// <summary>Metadata key of the content hash (the same as the checkpoints').</summary>
    public const string HashKey = EquiGrid.Checkpoints.BlobCheckpointStore.HashKey;

    private readonly BlobContainerClient _container;

    /// <summary>A store over <paramref name="container"/>.</summary>
    /// <param name="connectionString">Azure Storage connection string ("UseDevelopmentStorage=true" or Azurite's).</param>
    /// <param name="container">Container name (the silo's checkpoint container by default).</param>
    /// <param name="maxRetries">Transport retries; the CLI uses few so that a wrong endpoint fails in seconds.</param>
    public BlobResultsStore(string connectionString, string container = "equigrid-checkpoints", int maxRetries = 5)
    {
        EquiGrid.Checkpoints.BlobContainerName.Validate(container);
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
        try
        {
            _container = new BlobContainerClient(connectionString, container, options);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"blob connection string is not valid ({e.Message}); expected e.g. \"UseDevelopmentStorage=true\" or DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...", e);
        }
    }

    /// <summary>The container (tests tamper with blobs through it).</summary>
    public BlobContainerClient Container => _container;

    /// <inheritdoc />
    public async Task<ResultsTransfer> UploadTrialAsync(string studyId, string trialName, string folder, CancellationToken ct = default)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"analysis folder {folder} does not exist (the trial runner exported nothing)");
        await _container.CreateIfNotExistsAsync(cancellationToken: ct);
        var written = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(folder, file);
            if (rel.EndsWith(".tmp", StringComparison.Ordinal)) continue; // an atomic write's leftover, not a result
            var name = ResultsLayout.Name(studyId, trialName, rel);
            var content = await File.ReadAllBytesAsync(file, ct);
            var sha = Convert.ToHexStringLower(SHA256.HashData(content));
            var blob = _container.GetBlobClient(name);
            await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string> { [HashKey] = sha },
                HttpHeaders = new BlobHttpHeaders { ContentHash = MD5.HashData(content), ContentType = ContentType(rel) },
            }, ct); // no condition: overwriting is how a retried attempt replaces a partial upload
            written.Add(name);
            bytes += content.Length;
        }
        if (written.Count == 0) throw new InvalidDataException($"analysis folder {folder} is empty (the trial runner exported nothing)");
        await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, ResultsLayout.TrialPrefix(studyId, trialName), ct))
            if (!written.Contains(item.Name))
                await _container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: ct);
        return new ResultsTransfer(1, written.Count, bytes);
    }

    /// <summary>
    /// Downloads every analysis blob of <paramref name="studyId"/> into <c>{destination}/{study}/{trial}/...</c>,
    /// verifying each file's SHA-256 against its metadata before it is moved into place.
    /// </summary>
    /// <returns>The study folder and what was downloaded.</returns>
    /// <exception cref="KeyNotFoundException">No analysis blob of that study (or no container).</exception>
    /// <exception cref="InvalidDataException">A blob without a hash, or whose content differs from it (named).</exception>
    public async Task<(string StudyFolder, ResultsTransfer Transfer)> DownloadStudyAsync(string studyId, string destination, CancellationToken ct = default)
    {
        var prefix = ResultsLayout.StudyPrefix(studyId);
        var items = new List<BlobItem>();
        try
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, ct)) items.Add(item);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new KeyNotFoundException($"container '{_container.Name}' does not exist at {_container.Uri.GetLeftPart(UriPartial.Authority)}; give the silo's container with --container");
        }
        if (items.Count == 0)
            throw new KeyNotFoundException($"no analysis folders for study '{studyId}' in container '{_container.Name}' (wrong study id or container, or no trial of it has completed yet)");
        var studyFolder = Path.GetFullPath(Path.Combine(destination, studyId));
        var trials = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach (var item in items)
        {
            if (!ResultsLayout.TryParse(studyId, item.Name, out var trial, out var rel))
                throw new InvalidDataException($"blob {item.Name} does not follow {prefix}TRIAL/FILE; refusing to place it");
            if (!item.Metadata.TryGetValue(HashKey, out var expected))
                throw new InvalidDataException($"blob {item.Name} has no {HashKey} metadata, so it cannot be verified; re-run its trial or delete the blob");
            var content = (await _container.GetBlobClient(item.Name).DownloadContentAsync(ct)).Value.Content.ToArray();
            var actual = Convert.ToHexStringLower(SHA256.HashData(content));
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"blob {item.Name} is corrupt: SHA-256 {actual[..12]}... differs from the recorded {expected[..Math.Min(12, expected.Length)]}...");
            var path = Path.Combine(studyFolder, trial, rel.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path + ".tmp", content, ct);
            File.Move(path + ".tmp", path, overwrite: true);
            trials.Add(trial);
            bytes += content.Length;
        }
        return (studyFolder, new ResultsTransfer(trials.Count, items.Count, bytes));
    }

    private static string ContentType(string rel) => Path.GetExtension(rel) switch
    {
        ".json" => "application/json",
        ".jsonl" => "application/jsonl",
        _ => "application/octet-stream",
    };
}
