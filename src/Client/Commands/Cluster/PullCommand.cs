using System.CommandLine;
using Azure;
using EquiGrid.Client.Cli;
using EquiGrid.Silo.Results;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>
/// <c>equigrid pull STUDY [--to DIR] [--blob CONNECTION] [--container NAME] [--gateway ...] [--report] [--json]</c>:
/// saves the study grain's table as <c>DIR/STUDY/study_table.json</c> and downloads the analysis folders the study's
/// workers uploaded (<c>results/STUDY/TRIAL/...</c> in the blob container) into <c>DIR/STUDY/TRIAL/...</c>, verifying
/// every file's SHA-256, so <c>equigrid report</c> can run on this machine.
/// </summary>
public static class PullCommand
{
    /// <summary>Environment variable with the blob connection string (the one the trial runner reads, too).</summary>
    public const string BlobEnvironmentVariable = "EQUIGRID_BLOB_CONNECTION";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var study = new Argument<string>("study") { Description = "Study id (as in the study file)" };
        var to = new Option<string>("--to") { Description = "Folder to put STUDY/ in", DefaultValueFactory = _ => Path.Combine("runs", "pulled") };
        var blob = new Option<string?>("--blob") { Description = $"Azure Storage connection string (env {BlobEnvironmentVariable}, or \"blob\" in the config file)" };
        var container = new Option<string?>("--container") { Description = "Blob container (\"container\" in the config file; default equigrid-checkpoints, the silo's default)" };
        var report = new Option<bool>("--report") { Description = "Then write the study report (STUDY/report.html and report.md) from the pulled table and folders" };
        var studyFile = Analysis.ReportCommand.StudyOption();
        var json = CliApp.JsonOption();
        var cmd = new Command("pull", "Save a cluster study's table (from its study grain) and download its analysis folders from blob storage (verified) to build its report here")
        {
            study, to, blob, container, report, studyFile, json,
        };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = ClusterCommands.StudyId(parse.GetValue(study)!);
            var destination = CliApp.FolderPath(parse.GetValue(to), "--to");
            var claimsFile = parse.GetValue(studyFile);
            if (claimsFile is not null && !File.Exists(claimsFile)) throw new UserInputException($"--study: '{claimsFile}' does not exist");
            var settings = ClusterConnection.Settings(parse, ("blob", blob), ("container", container));
            var connection = settings["blob"]
                ?? throw new UserInputException($"no blob connection string: give --blob, set {BlobEnvironmentVariable}, or add \"blob\" to the config file (the silos' EquiGrid:BlobConnectionString)");
            var name = settings["container"] ?? new Silo.Hosting.SiloSettings().BlobContainer;
            var store = new BlobResultsStore(connection, name, maxRetries: 2);
            // The table first: it is what the report renders, and a study the cluster does not know has nothing to pull.
            StudyTable table;
            using (var host = await ClusterConnection.ConnectAsync(parse, ct))
            {
                var snap = await ClusterConnection.Grains(host).GetGrain<Grains.IStudyGrain>(id).GetSnapshot();
                if (snap.Definition is null) throw new UserInputException($"study '{id}' does not exist on the cluster; `equigrid status` lists the studies");
                table = snap.Table();
            }
            string folder;
            ResultsTransfer got;
            try
            {
                (folder, got) = await store.DownloadStudyAsync(id, destination, ct);
            }
            catch (KeyNotFoundException e)
            {
                throw new UserInputException(e.Message);
            }
            catch (RequestFailedException e)
            {
                throw new IOException($"blob storage {store.Container.Uri}: {e.Status} {e.ErrorCode ?? FirstLine(e.Message)}", e);
            }
            catch (AggregateException e) // the transport's retries gave up (endpoint down or unreachable)
            {
                throw new IOException($"blob storage {store.Container.Uri} unreachable: {FirstLine(e.InnerExceptions.LastOrDefault()?.Message ?? e.Message)}", e);
            }
            ContractJson.Write(Path.Combine(folder, StudyTable.FileName), table, indented: true);
            var reportCommand = $"equigrid report {Quote(folder)} --out {Quote(Path.Combine(folder, "report.html"))}";
            string? html = null;
            if (claimsFile is not null) File.Copy(claimsFile, Path.Combine(folder, Analysis.ReportCommand.StudyFileName), overwrite: true);
            if (parse.GetValue(report))
                html = Analysis.ReportCommand.Write(folder).Html;
            if (parse.GetValue(json))
                CliApp.WriteJson(new { StudyId = id, Folder = folder, got.Trials, got.Files, got.Bytes, ReportCommand = reportCommand, Report = html });
            else
            {
                Console.WriteLine($"pulled {id}: the study table ({table.Rows.Count} trials, {table.Rows.Count(r => r.Status == TrialStatus.Completed)} completed) and {got.Trials} trials' folders, {got.Files} files, {got.Bytes / 1048576.0:0.0} MiB (SHA-256 verified) into {folder}");
                if (html is not null) Console.WriteLine($"report: {html}");
                else Console.WriteLine($"next: {reportCommand}");
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$') ? $"'{path.Replace("'", "'\\''")}'" : path;
}
