using System.Security.Cryptography;
using EquiGrid.Grains.Tests.Infrastructure;
using EquiGrid.Silo.Results;

namespace EquiGrid.Grains.Tests;

/// <summary>Trials' analysis folders in blob storage against a real Azurite started by the test.</summary>
public class BlobResultsStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("equigrid-results-").FullName;

    private BlobResultsStore NewStore() => new(azurite.ConnectionString, "res-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A trial folder shaped like the trial runner's export: JSON, JSON lines, a binary matrix, a sub-folder.</summary>
    private string TrialFolder(string name, int seed)
    {
        var dir = Path.Combine(_root, "src", name + "-" + seed);
        Directory.CreateDirectory(Path.Combine(dir, "phate"));
        var rng = new Random(seed);
        var npy = new byte[300_000];
        rng.NextBytes(npy);
        File.WriteAllBytes(Path.Combine(dir, "embeddings.npy"), npy);
        File.WriteAllText(Path.Combine(dir, "result.json"), $"{{\"trialId\":\"s/{name}\",\"testMae\":{rng.NextDouble():R}}}");
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), string.Join('\n', Enumerable.Range(1, 5).Select(e => $"{{\"epoch\":{e},\"loss\":{rng.NextDouble():R}}}")) + "\n");
        File.WriteAllText(Path.Combine(dir, "embeddings.json"), "{\"rows\":250,\"dim\":300}");
        File.WriteAllText(Path.Combine(dir, "ablation.json"), $"{{\"per_l\":{{\"0\":{rng.NextDouble():R}}}}}");
        File.WriteAllBytes(Path.Combine(dir, "phate", "coords.npy"), npy[..4000]);
        return dir;
    }

    private static Dictionary<string, string> Hashes(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(dir, f).Replace('\\', '/'), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));

    [AzuriteFact]
    public async Task A_study_round_trips_file_for_file_under_the_results_layout()
    {
        var store = NewStore();
        var a = TrialFolder("L0-1-2_h32_e3_s1", 1);
        var b = TrialFolder("L0-3-4_h32_e3_s1", 2);
        var sentA = await store.UploadTrialAsync("grid", "L0-1-2_h32_e3_s1", a);
        await store.UploadTrialAsync("grid", "L0-3-4_h32_e3_s1", b);
        await store.UploadTrialAsync("other", "L0-1-2_h32_e3_s1", TrialFolder("x", 3)); // must not leak into "grid"
        Assert.Equal(6, sentA.Files);

        var names = new List<string>();
        await foreach (var item in store.Container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.Metadata, Azure.Storage.Blobs.Models.BlobStates.None, "results/grid/L0-1-2_h32_e3_s1/", default))
        {
            names.Add(item.Name);
            var rel = item.Name["results/grid/L0-1-2_h32_e3_s1/".Length..];
            Assert.Equal(Hashes(a)[rel], item.Metadata[BlobResultsStore.HashKey]);
        }
        Assert.Contains("results/grid/L0-1-2_h32_e3_s1/phate/coords.npy", names);
        Assert.Equal(6, names.Count);

        var (folder, got) = await store.DownloadStudyAsync("grid", Path.Combine(_root, "pulled"));
        Assert.Equal(Path.Combine(_root, "pulled", "grid"), folder);
        Assert.Equal((2, 12), (got.Trials, got.Files));
        Assert.Equal(Hashes(a), Hashes(Path.Combine(folder, "L0-1-2_h32_e3_s1")));
        Assert.Equal(Hashes(b), Hashes(Path.Combine(folder, "L0-3-4_h32_e3_s1")));
        long Size(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(Size(a) + Size(b), got.Bytes);
    }

    [AzuriteFact]
    public async Task A_tampered_blob_fails_the_download_naming_the_blob()
    {
        var store = NewStore();
        await store.UploadTrialAsync("tamper", "T1", TrialFolder("T1", 4));
        var blob = store.Container.GetBlobClient("results/tamper/T1/metrics.jsonl");
        var meta = (await blob.GetPropertiesAsync()).Value.Metadata;
        await blob.UploadAsync(BinaryData.FromString("{\"epoch\":1,\"loss\":0.0}\n"), overwrite: true); // a rewrite that keeps the old hash
        await blob.SetMetadataAsync(meta);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => store.DownloadStudyAsync("tamper", Path.Combine(_root, "t")));
        Assert.Contains("results/tamper/T1/metrics.jsonl", e.Message);
        Assert.Contains("corrupt", e.Message);
        Assert.False(File.Exists(Path.Combine(_root, "t", "tamper", "T1", "metrics.jsonl")));
    }

    [AzuriteFact]
    public async Task A_re_upload_replaces_a_partial_one_and_removes_files_the_new_folder_lacks()
    {
        var store = NewStore();
        var first = TrialFolder("T", 5);
        File.WriteAllText(Path.Combine(first, "stale-partial.bin"), "left by a failed attempt");
        await store.UploadTrialAsync("re", "T", first);
        var second = TrialFolder("T", 6); // a retried attempt: different contents, no stale file
        var sent = await store.UploadTrialAsync("re", "T", second);
        Assert.Equal(6, sent.Files);

        var (folder, got) = await store.DownloadStudyAsync("re", Path.Combine(_root, "r"));
        Assert.Equal(6, got.Files);
        Assert.Equal(Hashes(second), Hashes(Path.Combine(folder, "T")));
    }

    [AzuriteFact]
    public async Task An_unknown_study_or_container_is_a_clear_not_found()
    {
        var store = NewStore();
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.DownloadStudyAsync("nothing", _root));
        Assert.Contains("does not exist", e.Message); // container never created
        await store.UploadTrialAsync("some", "T", TrialFolder("T", 7));
        e = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.DownloadStudyAsync("nothing", _root));
        Assert.Contains("no analysis folders for study 'nothing'", e.Message);
        Assert.Throws<ArgumentException>(() => ResultsLayout.StudyPrefix("../etc"));
    }

    /// <inheritdoc />
    public void Dispose() { try { Directory.Delete(_root, true); } catch (IOException) { } }
}
