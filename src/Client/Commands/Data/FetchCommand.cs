using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Training.Data;

namespace EquiGrid.Client.Commands.Data;

/// <summary>
/// <c>equigrid data fetch [--cache DIR] [--url URL] [--uncharacterized-url URL] [--timeout S]</c>: downloads the full
/// original QM9 release into a cache and verifies its published MD5 and size.
/// </summary>
public static class FetchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var cache = new Option<string?>("--cache") { Description = "Cache directory (default ~/.cache/equigrid/qm9)" };
        var url = new Option<string?>("--url") { Description = "Alternative address of dsgdb9nsd.xyz.tar.bz2 (a mirror); the checksum is still verified" };
        var uncharUrl = new Option<string?>("--uncharacterized-url") { Description = "Alternative address of uncharacterized.txt" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for a connection and the server's answer", DefaultValueFactory = _ => 10 };
        var json = CliApp.JsonOption();
        var cmd = new Command("fetch", "Download the full original QM9 release (133,885 molecules) with checksum verification") { cache, url, uncharUrl, timeout, json };
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async token =>
        {
            double seconds = parse.GetValue(timeout);
            if (!(seconds > 0)) throw new UserInputException($"--timeout must be > 0 seconds (got {seconds})");
            var dir = parse.GetValue(cache) ?? Qm9Download.DefaultCacheDirectory();
            var files = new[]
            {
                parse.GetValue(url) is { } u ? Qm9Download.Tarball with { Url = u } : Qm9Download.Tarball,
                parse.GetValue(uncharUrl) is { } v ? Qm9Download.Uncharacterized with { Url = v } : Qm9Download.Uncharacterized,
            };
            var paths = await Qm9Download.FetchAsync(dir, files, TimeSpan.FromSeconds(seconds), line => Console.Error.WriteLine($"equigrid: {line}"), token);
            if (parse.GetValue(json)) CliApp.WriteJson(new { Cache = dir, Files = paths });
            else Console.WriteLine($"QM9 release ready: {paths[0]}\nuse it with --data {paths[0]} (e.g. equigrid data stats --data {paths[0]})");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
