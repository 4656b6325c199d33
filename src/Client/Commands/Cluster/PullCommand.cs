using System.CommandLine;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Report;
using EquiGrid.Analysis.Utilisation;
using EquiGrid.Client.Cli;
using EquiGrid.Silo.Results;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>
/// <c>equigrid pull STUDY [--to DIR]</c>: downloads a cluster study's per-trial analysis folders from blob storage
/// (where the workers upload them on completion) so <c>equigrid report</c> can build the study report on this machine.
/// The blob connection string comes from <c>--blob</c>, else EQUIGRID_BLOB_CONNECTION, else the connection config
/// file's <c>blob</c> key; the container from <c>--container</c>, else the file's <c>container</c>, else the silo default.
/// </summary>
public static class PullCommand
{
    /// <summary>The silo's default checkpoint container, which also holds results.</summary>
    public const string DefaultContainer = "equigrid-checkpoints";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var study = new Argument<string>("study") { Description = "Study id" };
        var to = new Option<string>("--to") { Description = "Folder to write STUDY/TRIAL/... into", DefaultValueFactory = _ => Path.Combine("runs", "pulled") };
        var blob = new Option<string?>("--blob") { Description = "Azure Storage connection string (env EQUIGRID_BLOB_CONNECTION)" };
        var container = new Option<string?>("--container") { Description = $"Blob container (default {DefaultContainer}, the silos' EquiGrid:BlobContainer)" };
        var report = new Option<bool>("--report") { Description = "Also build the study report (report.html + report.md) in the pulled folder" };
        var json = CliApp.JsonOption();
        var cmd = new Command("pull", "Download a cluster study's analysis folders (embeddings, ablation, metrics) for `equigrid report`") { study, to, blob, container, report, json };
        cmd.Options.Add(ClusterConnection.Config);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = parse.GetValue(study)!;
            var file = await ClusterConnection.ReadConfigFile(parse, ct);
            var connection = parse.GetValue(blob) ?? Environment.GetEnvironmentVariable("EQUIGRID_BLOB_CONNECTION") ?? file?.GetValueOrDefault("blob")
                             ?? throw new UserInputException("--blob: no blob connection string; give --blob, set EQUIGRID_BLOB_CONNECTION, or add \"blob\" to the config file");
            var name = parse.GetValue(container) ?? file?.GetValueOrDefault("container") ?? DefaultContainer;
            var target = Path.GetFullPath(Path.Combine(parse.GetValue(to)!, id));
            IReadOnlyList<string> trials;
            try
            {
                trials = await new BlobResultsStore(connection, name).DownloadStudyAsync(id, target, ct);
            }
            catch (FormatException e)
            {
                throw new UserInputException($"--blob: not a valid Azure Storage connection string ({e.Message})");
            }
            catch (Azure.RequestFailedException e)
            {
                throw new UserInputException($"blob storage refused the request ({e.Status} {e.ErrorCode}); check --blob and --container");
            }
            catch (AggregateException e) when (e.InnerException is System.Net.Http.HttpRequestException)
            {
                throw new UserInputException($"cannot reach blob storage: {e.InnerException.Message}; check --blob");
            }
            string? html = null;
            if (parse.GetValue(report))
                html = ReportBuilder.Build(target, Path.Combine(target, "report.html"), line => Console.Error.WriteLine(line),
                    new AnalyzeOptions { RunPhate = true, Phate = new PhateOptions() }).Html;
            if (parse.GetValue(json)) CliApp.WriteJson(new { Study = id, Folder = target, Trials = trials, Report = html });
            else
            {
                Console.WriteLine($"pulled {trials.Count} trial folder(s) of {id} into {target}");
                Console.WriteLine(html is not null ? $"report: {html}" : $"next: equigrid report {target} --out {Path.Combine(target, "report.html")}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
