using System.Net.Http;
using System.Security.Cryptography;

namespace EquiGrid.Training.Data;

/// <summary>A file of the original QM9 release with its published size and MD5 (figshare file metadata).</summary>
/// <param name="Name">File name in the cache.</param>
/// <param name="Url">Download address.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Md5">MD5 of the file, lowercase hex.</param>
public sealed record RemoteFile(string Name, string Url, long Size, string Md5);

/// <summary>
/// Downloads the original QM9 release (Ramakrishnan et al. 2014, figshare collection 978904) into a cache directory
/// and verifies each file's size and MD5 against figshare's published metadata. A verified cached file is reused;
/// a cached file that fails verification is rejected (never silently used). Downloads go to "name.part" and are
/// renamed only after verification, so an interrupted download never looks complete.
/// </summary>
public static class Qm9Download
{
    /// <summary>dsgdb9nsd.xyz.tar.bz2: 133,885 per-molecule xyz files (figshare file 3195389).</summary>
    public static readonly RemoteFile Tarball = new("dsgdb9nsd.xyz.tar.bz2", "https://ndownloader.figshare.com/files/3195389", 86_144_227, "ad1ebd51ee7f5b3a6e32e974e5d54012");

    /// <summary>uncharacterized.txt: the 3,054 molecules that failed the consistency check (figshare file 3195404).</summary>
    public static readonly RemoteFile Uncharacterized = new("uncharacterized.txt", "https://ndownloader.figshare.com/files/3195404", 486_752, "a361887bacb427b8a0ce7903d92a53b4");

    /// <summary>Default cache: ~/.cache/equigrid/qm9 (XDG_CACHE_HOME respected).</summary>
    public static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "equigrid", "qm9");
    }

    /// <summary>
    /// Makes sure every file is in <paramref name="cacheDirectory"/> and verified; returns their paths.
    /// </summary>
    /// <exception cref="InvalidDataException">A cached or downloaded file has the wrong size or MD5.</exception>
    /// <exception cref="IOException">The download failed (offline, unreachable, HTTP error, timeout).</exception>
    public static async Task<IReadOnlyList<string>> FetchAsync(string cacheDirectory, IReadOnlyList<RemoteFile> files, TimeSpan timeout,
        Action<string>? log = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(cacheDirectory);
        var paths = new List<string>();
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout }) { Timeout = Timeout.InfiniteTimeSpan };
        foreach (var file in files)
        {
            var path = Path.Combine(cacheDirectory, file.Name);
            if (File.Exists(path))
            {
                var problem = await VerifyAsync(path, file, ct);
                if (problem != null)
                    throw new InvalidDataException($"cached {path} is not the published file ({problem}): delete it and run 'equigrid data fetch' again");
                log?.Invoke($"{file.Name}: cached and verified (md5 {file.Md5})");
                paths.Add(path);
                continue;
            }
            log?.Invoke($"{file.Name}: downloading {file.Size:N0} bytes from {file.Url}");
            await DownloadAsync(http, file, path, timeout, ct);
            log?.Invoke($"{file.Name}: verified (md5 {file.Md5})");
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Null when the file has the published size and MD5, else what differs.</summary>
    public static async Task<string?> VerifyAsync(string path, RemoteFile file, CancellationToken ct = default)
    {
        long size = new FileInfo(path).Length;
        if (size != file.Size) return $"size {size:N0} bytes, expected {file.Size:N0}";
        await using var stream = File.OpenRead(path);
        var md5 = Convert.ToHexStringLower(await MD5.HashDataAsync(stream, ct));
        return md5 == file.Md5 ? null : $"md5 {md5}, expected {file.Md5}";
    }

    private static async Task DownloadAsync(HttpClient http, RemoteFile file, string path, TimeSpan timeout, CancellationToken ct)
    {
        var part = path + ".part";
        try
        {
            // The timeout bounds connecting and the wait for the response headers; the body may take longer.
            using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
            headers.CancelAfter(timeout);
            using var response = await http.GetAsync(file.Url, HttpCompletionOption.ResponseHeadersRead, headers.Token);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            await using (var body = await response.Content.ReadAsStreamAsync(ct))
            await using (var output = File.Create(part))
                await body.CopyToAsync(output, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            File.Delete(part);
            var reason = e is TaskCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : e.Message;
            throw new IOException(
                $"could not download {file.Name} from {file.Url}: {reason}. Without network, copy the QM9 release " +
                $"(dsgdb9nsd.xyz.tar.bz2, or its extracted xyz files) here and pass --data PATH; the shipped 2,000-molecule subset needs no download", e);
        }
        var problem = await VerifyAsync(part, file, ct);
        if (problem != null)
        {
            File.Delete(part);
            throw new InvalidDataException($"downloaded {file.Name} from {file.Url} is not the published file ({problem}); nothing was kept");
        }
        File.Move(part, path, overwrite: true);
    }
}
