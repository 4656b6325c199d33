using EquiGrid.Grains.Tests.Infrastructure;
using EquiGrid.LocalServers;
using EquiGrid.Checkpoints;

namespace EquiGrid.Grains.Tests;

/// <summary>The blob checkpoint store against a real Azurite started by the test.</summary>
public class BlobCheckpointStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private BlobCheckpointStore NewStore(int retain = 3, TimeSpan? grace = null) => new(azurite.ConnectionString, "ck-" + Guid.NewGuid().ToString("N")[..12], retain, grace ?? TimeSpan.Zero);

    private static byte[] Payload(int seed, int size = 100_000)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    [AzuriteFact]
    public async Task Saves_under_the_layout_with_hash_metadata_and_loads_back_verified()
    {
        var store = NewStore();
        var payload = Payload(1);
        var r = await store.SaveAsync("grid/L0-1-2_h32_e3_s1", 2, 150, payload);
        Assert.Equal("studies/grid/trials/L0-1-2_h32_e3_s1/attempt-2/step-150.ckpt", r.Location);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)), r.Sha256);
        var props = (await store.Container.GetBlobClient(r.Location).GetPropertiesAsync()).Value;
        Assert.Equal(r.Sha256, props.Metadata[BlobCheckpointStore.HashKey]);
        Assert.Equal(payload, await store.LoadAsync(r));
        var listed = Assert.Single(await store.ListAsync("grid/L0-1-2_h32_e3_s1"));
        Assert.Equal(r.Location, listed.Location);
    }

    [AzuriteFact]
    public async Task Keeps_only_the_newest_checkpoints_across_attempts()
    {
        var store = NewStore(retain: 2);
        const string trial = "ret/T";
        await store.SaveAsync(trial, 1, 10, Payload(1, 1000));
        await store.SaveAsync(trial, 1, 20, Payload(2, 1000));
        await store.SaveAsync(trial, 2, 30, Payload(3, 1000)); // a resumed attempt continues the numbering of steps
        var list = await store.ListAsync(trial);
        Assert.Equal(new long[] { 30, 20 }, list.Select(c => c.Step));
        Assert.Equal(new[] { 2, 1 }, list.Select(c => c.Attempt));
        Assert.Empty(await store.ListAsync("other/T"));
    }

    [AzuriteFact]
    public async Task Checkpoints_beyond_the_retention_are_kept_for_the_grace_period()
    {
        // The grain may not have committed the newest ones yet: the older ones must still be there to resume from.
        var store = NewStore(retain: 2, grace: TimeSpan.FromHours(1));
        const string trial = "grace/T";
        for (int s = 1; s <= 3; s++) await store.SaveAsync(trial, 1, s * 10, Payload(s, 100));
        Assert.Equal(new long[] { 30, 20, 10 }, (await store.ListAsync(trial)).Select(c => c.Step));
    }

    [AzuriteFact]
    public async Task A_corrupted_blob_is_detected_and_the_previous_checkpoint_is_used()
    {
        var store = NewStore();
        const string trial = "cor/T";
        var good = await store.SaveAsync(trial, 1, 10, Payload(10));
        var bad = await store.SaveAsync(trial, 1, 20, Payload(20));
        // Overwrite the newest blob's bytes but keep its hash metadata, as a torn or tampered write would.
        var blob = store.Container.GetBlobClient(bad.Location);
        var meta = (await blob.GetPropertiesAsync()).Value.Metadata;
        var garbage = Payload(99);
        await blob.UploadAsync(BinaryData.FromBytes(garbage), overwrite: true);
        await blob.SetMetadataAsync(meta);
        await Assert.ThrowsAsync<CheckpointCorruptException>(() => store.LoadAsync(bad));
        // The older checkpoint still verifies: the trainer falls back to it (TrainerTests.TheGrainsListDecidesTheResumePoint...).
        Assert.Equal(good.Location, (await store.ListAsync(trial))[1].Location);
        Assert.Equal(Payload(10), await store.LoadAsync(good));
    }

    [Fact]
    public async Task The_file_store_commits_with_a_hash_mark_and_detects_corruption_too()
    {
        var root = Path.Combine(Path.GetTempPath(), "equigrid-fck-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new DirectoryCheckpointStore(root, retain: 2, grace: TimeSpan.Zero);
            var a = await store.SaveAsync("f/T", 1, 5, Payload(5, 500));
            var b = await store.SaveAsync("f/T", 1, 9, Payload(9, 500));
            await store.SaveAsync("f/T", 2, 12, Payload(12, 500));
            Assert.Equal(new long[] { 12, 9 }, (await store.ListAsync("f/T")).Select(c => c.Step));
            Assert.False(File.Exists(Path.Combine(root, a.Location)));
            await File.WriteAllBytesAsync(Path.Combine(root, (await store.ListAsync("f/T"))[0].Location), Payload(0, 500));
            var listed = await store.ListAsync("f/T");
            await Assert.ThrowsAsync<CheckpointCorruptException>(() => store.LoadAsync(listed[0]));
            Assert.Equal(b.Location, listed[1].Location);
            Assert.Equal(Payload(9, 500), await store.LoadAsync(listed[1]));
        }
        finally { Directory.Delete(root, true); }
    }
}
