using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace EquiGrid.Silo.Results;

/// <summary>
/// Each finished trial's analysis folder (result.json, metrics.jsonl, embeddings, ablation.json: what the trial
/// runner's <c>--export</c> writes) in Azure Blob Storage, so the study report can be built on any machine, not only
/// on the node that trained the trial. Layout: <c>results/{study}/{trial}/{relative path}</c>, one blob per file with
/// its SHA-256 in the metadata. An upload replaces the trial's previous files (a re-run attempt leaves no stale file
/// behind); a download re-hashes every file and refuses one whose content does not match.
/// </summary>
public sealed class BlobResultsStore
{
    /// <summary>Metadata key of the content hash.</summary>
    public const string HashKey = "sha256";

    private readonly BlobContainerClient _container;

    /// <summary>A store over a container (the checkpoint container by default: one place per cluster).</summary>
    public BlobResultsStore(string connectionString, string container) => _container = new BlobContainerClient(connectionString, container);

    /// <summary>Blob prefix of one study's results.</summary>
    public static string StudyPrefix(string studyId) => $"results/{Segment(studyId, "study")}/";

    /// <summary>Blob prefix of one trial's results; <paramref name="trialId"/> is "study/trial".</summary>
    public static string TrialPrefix(string trialId)
    {
        var parts = trialId.Split('/');
        if (parts.Length != 2) throw new ArgumentException($"trial id '{trialId}' must be 'study/trial'");
        return $"{StudyPrefix(parts[0])}{Segment(parts[1], "trial")}/";
    }

    private static string Segment(string s, string what) =>
        s.Length == 0 || s is "." or ".." || s.Contains('/') || s.Contains('\\')
            ? throw new ArgumentException($"{what} name '{s}' cannot be used in a blob path")
            : s;

    /// <summary>
    /// Uploads every file under <paramref name="folder"/> as the results of <paramref name="trialId"/>, then deletes
    /// any older blob of that trial the upload did not write. Returns the number of files and bytes uploaded.
    /// </summary>
    public async Task<(int Files, long Bytes)> UploadAsync(string trialId, string folder, CancellationToken ct = default)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"results folder '{folder}' does not exist");
        await _container.CreateIfNotExistsAsync(cancellationToken: ct);
        var prefix = TrialPrefix(trialId);
        var written = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = prefix + Path.GetRelativePath(folder, path).Replace('\\', '/');
            var content = await File.ReadAllBytesAsync(path, ct);
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string> { [HashKey] = Convert.ToHexStringLower(SHA256.HashData(content)) },
                HttpHeaders = new BlobHttpHeaders { ContentHash = MD5.HashData(content) },
            }, ct);
            written.Add(name);
            bytes += content.Length;
        }
        await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct))
            if (!written.Contains(item.Name))
                await _container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: ct);
        return (written.Count, bytes);
    }

    /// <summary>
    /// Downloads every result of <paramref name="studyId"/> into <c>{target}/{trial}/...</c>, verifying each file's
    /// SHA-256. Returns the trial folder names; throws <see cref="InvalidDataException"/> naming the blob on a mismatch
    /// and <see cref="FileNotFoundException"/> when the study has no results.
    /// </summary>
    public async Task<IReadOnlyList<string>> DownloadStudyAsync(string studyId, string target, CancellationToken ct = default)
    {
        var prefix = StudyPrefix(studyId);
        var trials = new SortedSet<string>(StringComparer.Ordinal);
        if (!(await _container.ExistsAsync(ct)).Value)
            throw new FileNotFoundException($"no results for study '{studyId}': blob container '{_container.Name}' does not exist (check --container)");
        await foreach (var item in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, ct))
        {
            var relative = item.Name[prefix.Length..];
            if (relative.Split('/').Any(p => p is "" or "." or "..")) throw new InvalidDataException($"blob {item.Name}: unsafe path");
            var content = (await _container.GetBlobClient(item.Name).DownloadContentAsync(ct)).Value.Content.ToArray();
            var actual = Convert.ToHexStringLower(SHA256.HashData(content));
            if (!item.Metadata.TryGetValue(HashKey, out var expected) || expected != actual)
                throw new InvalidDataException($"blob {item.Name}: content SHA-256 {actual} does not match its metadata ({expected ?? "missing"}); the upload was damaged, re-run the trial or remove the blob");
            var path = Path.Combine(target, relative.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, content, ct);
            trials.Add(relative.Split('/')[0]);
        }
        if (trials.Count == 0) throw new FileNotFoundException($"no results for study '{studyId}' in blob container '{_container.Name}' (is the study id right, and has a trial finished?)");
        return trials.ToList();
    }
}
