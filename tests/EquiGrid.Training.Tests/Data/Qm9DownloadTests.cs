using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EquiGrid.Training.Data;

namespace EquiGrid.Training.Tests.Data;

public sealed class Qm9DownloadTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("equigrid-fetch-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public async Task UnreachableServer_FailsFast_WithAClearMessage()
    {
        var file = Qm9Download.Tarball with { Url = "http://127.0.0.1:9/dsgdb9nsd.xyz.tar.bz2" };
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IOException>(() => Qm9Download.FetchAsync(_cache, [file], TimeSpan.FromSeconds(2)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Contains("could not download dsgdb9nsd.xyz.tar.bz2 from http://127.0.0.1:9/", e.Message);
        Assert.Contains("--data PATH", e.Message);
        Assert.Empty(Directory.GetFiles(_cache));
    }

    [Fact]
    public async Task CachedFileWithWrongChecksum_IsRejected()
    {
        var bytes = Encoding.ASCII.GetBytes("not the release");
        var file = new RemoteFile("small.txt", "http://127.0.0.1:9/small.txt", bytes.Length, "00000000000000000000000000000000");
        await File.WriteAllBytesAsync(Path.Combine(_cache, file.Name), bytes);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Qm9Download.FetchAsync(_cache, [file], TimeSpan.FromSeconds(2)));
        Assert.Contains("is not the published file (md5 ", e.Message);
        Assert.Contains("expected 00000000000000000000000000000000", e.Message);

        var wrongSize = file with { Size = bytes.Length + 1 };
        Assert.Contains("size 15 bytes", await Qm9Download.VerifyAsync(Path.Combine(_cache, file.Name), wrongSize));
    }

    [Fact]
    public async Task CachedFileWithTheRightChecksum_IsUsedWithoutNetwork()
    {
        var bytes = Encoding.ASCII.GetBytes(Qm9TestRecords.MethaneOriginal);
        var file = new RemoteFile("methane.xyz", "http://127.0.0.1:9/methane.xyz", bytes.Length, Convert.ToHexStringLower(MD5.HashData(bytes)));
        await File.WriteAllBytesAsync(Path.Combine(_cache, file.Name), bytes);
        var paths = await Qm9Download.FetchAsync(_cache, [file], TimeSpan.FromSeconds(2));
        Assert.Equal(1, Assert.Single(Qm9Reader.Read(Assert.Single(paths))).GdbId);
    }
}
