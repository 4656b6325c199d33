using EquiGrid.Grains.Tests.Infrastructure;
using EquiGrid.Silo.Results;

namespace EquiGrid.Grains.Tests;

/// <summary>Per-trial analysis folders in blob storage, against a real Azurite started by the test.</summary>
public class BlobResultsStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private BlobResultsStore NewStore(out string container)
    {
        container = "res-" + Guid.NewGuid().ToString("N")[..12];
        return new BlobResultsStore(azurite.ConnectionString, container);
    }

    private static string Folder(params (string Path, string Text)[] files)
    {
        var dir = Directory.CreateTempSubdirectory("equigrid-results-").FullName;
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        return dir;
    }

    [AzuriteFact]
    public async Task A_study_folder_comes_back_file_for_file_under_its_trial_names()
    {
        var store = NewStore(out _);
        var a = Folder(("result.json", "{\"mae\": 1}"), ("metrics.jsonl", "{}\n{}\n"), ("embeddings/l1.npy", new string('x', 5000)));
        var b = Folder(("result.json", "{\"mae\": 2}"));
        Assert.Equal((3, 5000L + 10 + 6), await store.UploadAsync("s1/T-a", a));
        await store.UploadAsync("s1/T-b", b);
        await store.UploadAsync("other/T-c", b); // another study: not pulled
        var target = Directory.CreateTempSubdirectory("equigrid-pulled-").FullName;
        var trials = await store.DownloadStudyAsync("s1", target);
        Assert.Equal(["T-a", "T-b"], trials);
        Assert.Equal(new string('x', 5000), File.ReadAllText(Path.Combine(target, "T-a", "embeddings", "l1.npy")));
        Assert.Equal("{\"mae\": 2}", File.ReadAllText(Path.Combine(target, "T-b", "result.json")));
        Assert.False(Directory.Exists(Path.Combine(target, "T-c")));
    }

    [AzuriteFact]
    public async Task A_re_run_attempt_replaces_the_trials_files_and_leaves_none_stale()
    {
        var store = NewStore(out _);
        await store.UploadAsync("s2/T", Folder(("result.json", "old"), ("partial.npy", "half")));
        await store.UploadAsync("s2/T", Folder(("result.json", "new")));
        var target = Directory.CreateTempSubdirectory("equigrid-pulled-").FullName;
        await store.DownloadStudyAsync("s2", target);
        Assert.Equal(["result.json"], Directory.GetFiles(Path.Combine(target, "T")).Select(Path.GetFileName));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "T", "result.json")));
    }

    [AzuriteFact]
    public async Task A_damaged_blob_is_refused_by_name()
    {
        var store = NewStore(out var container);
        await store.UploadAsync("s3/T", Folder(("result.json", "{\"mae\": 3}")));
        // Overwrite the content but keep the old hash metadata: what a torn or tampered upload looks like.
        var blob = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, container).GetBlobClient("results/s3/T/result.json");
        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        await blob.UploadAsync(BinaryData.FromString("{\"mae\": 0}"), overwrite: true);
        await blob.SetMetadataAsync(metadata);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => store.DownloadStudyAsync("s3", Directory.CreateTempSubdirectory().FullName));
        Assert.Contains("results/s3/T/result.json", e.Message);
    }

    [AzuriteFact]
    public async Task A_study_without_results_is_a_clear_error()
    {
        var store = NewStore(out _);
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => store.DownloadStudyAsync("nope", Directory.CreateTempSubdirectory().FullName));
        Assert.Contains("nope", e.Message);
        await store.UploadAsync("s4/T", Folder(("result.json", "{}")));
        e = await Assert.ThrowsAsync<FileNotFoundException>(() => store.DownloadStudyAsync("nope", Directory.CreateTempSubdirectory().FullName));
        Assert.Contains("study 'nope'", e.Message);
    }

    [Fact]
    public void Trial_ids_that_would_escape_the_layout_are_refused()
    {
        Assert.Equal("results/s/T/", BlobResultsStore.TrialPrefix("s/T"));
        Assert.Throws<ArgumentException>(() => BlobResultsStore.TrialPrefix("s/../x"));
        Assert.Throws<ArgumentException>(() => BlobResultsStore.TrialPrefix("s/.."));
        Assert.Throws<ArgumentException>(() => BlobResultsStore.StudyPrefix(".."));
    }
}
