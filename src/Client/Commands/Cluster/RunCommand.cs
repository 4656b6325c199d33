using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using EquiGrid.Client.Cli;
using EquiGrid.Grains;
using EquiGrid.Grains.Security;
using EquiGrid.Grains.Studies;
using EquiGrid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>
/// <c>equigrid run study.yaml</c>: an embedded cluster in this process (localhost clustering, state and checkpoints in
/// <c>--data-dir</c>), submit, watch, then save the study grain's table (<c>study_table.json</c>) and write the report
/// from it. Interrupt it and run it again: the study resumes.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("study.yaml") { Description = "Study file (see docs/cluster.md)" };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for grain state, checkpoints and results", DefaultValueFactory = _ => Path.Combine("runs", "embedded") };
        var slots = new Option<int>("--slots") { Description = "Trials run at once", DefaultValueFactory = _ => 1 };
        var noReport = new Option<bool>("--no-report") { Description = "Skip the analysis report at the end" };
        var skipDataCheck = ClusterCommands.SkipDataCheckOption();
        var cmd = new Command("run", "Run a study on an embedded single-process cluster: submit, watch, write results and the report") { file, dataDir, slots, noReport, skipDataCheck };
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var (definition, trials) = ClusterCommands.LoadStudy(parse.GetValue(file)!, parse.GetValue(skipDataCheck));
            if (parse.GetValue(slots) < 1) throw new UserInputException($"--slots {parse.GetValue(slots)}: give the number of trials to run at once, 1 or more");
            var dir = DataDirectory(parse.GetValue(dataDir));
            // Two embedded clusters on one folder would fight over its grain state and leases: one run per folder.
            using var exclusive = CliApp.LockFolder(dir, "--data-dir", "run");
            Console.Error.WriteLine($"equigrid: study {definition.Id}: {trials.Count} trials; state in {dir}");
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Orleans", LogLevel.Error);
            builder.Configuration["EquiGrid:Worker:Slots"] = parse.GetValue(slots).ToString();
            builder.Configuration["EquiGrid:Worker:WorkDir"] = Path.Combine(dir, "work");
            // One node identity for every run on this data folder (the ports are random): a run started after a killed
            // one releases that one's leases at once instead of waiting for them to lapse, and removes its work folders.
            builder.Configuration["EquiGrid:Worker:NodeName"] = $"{Environment.MachineName}-embedded";
            builder.Configuration["EquiGrid:Worker:ResultsDir"] = Path.Combine(dir, "studies");
            builder.AddEquiGridSilo(s =>
            {
                s.Profile = "embedded";
                s.DataDir = dir;
                (s.SiloPort, s.GatewayPort) = TwoFreePorts();
            });
            using var host = builder.Build();
            await host.StartAsync(ct);
            try
            {
                // The silo takes EQUIGRID_TOKEN from the environment (an operator's token for a real cluster): this
                // process's own calls must then carry it too, or the silo refuses them.
                if (host.Services.GetRequiredService<SiloSettings>().Token is { } token) RequestContext.Set(ClusterToken.RequestContextKey, token);
                var grains = host.Services.GetRequiredService<IGrainFactory>();
                var study = grains.GetGrain<IStudyGrain>(definition.Id);
                await study.Submit(definition);
                StudySnapshot snap;
                try
                {
                    snap = await StudyView.WatchAsync(study, watch: true, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    Console.Error.WriteLine("equigrid: stopped; run the same command again to resume");
                    return ExitCodes.Cancelled;
                }
                snap = await study.GetSnapshot();
                var outDir = Path.Combine(dir, "studies", definition.Id);
                Directory.CreateDirectory(outDir);
                // The study file goes with the results: it says exactly what ran, and the report checks its claims.
                // (Unless the study file is that copy: run again from the saved study.yaml.)
                var source = Path.GetFullPath(parse.GetValue(file)!);
                var copy = Path.Combine(outDir, Analysis.ReportCommand.StudyFileName);
                if (source != copy) File.Copy(source, copy, overwrite: true);
                // The study grain's table, saved beside the trials' analysis folders (the worker's ResultsDir): the report renders it.
                var results = Path.Combine(outDir, StudyTable.FileName);
                ContractJson.Write(results, snap.Table(), indented: true);
                ResultsTable.Print(snap);
                Console.WriteLine($"results: {results}");
                if (snap.Status != StudyStatus.Completed) return ExitCodes.Failure;
                if (!parse.GetValue(noReport))
                {
                    var report = Analysis.ReportCommand.Write(outDir);
                    Console.WriteLine($"report: {report.Html}");
                    Console.WriteLine($"report (Markdown): {report.Markdown}");
                }
                return ExitCodes.Ok;
            }
            finally
            {
                // A graceful silo stop hands back leases and writes grain state, but must not hold Ctrl+C hostage: past
                // StopGrace it is abandoned. Nothing committed is lost, and the next run on this data folder (same node
                // name) releases what this one still held at once.
                using var grace = new CancellationTokenSource(StopGrace);
                await host.StopAsync(grace.Token);
            }
        }, ct));
        return cmd;
    }

    /// <summary>How long `run` waits for its embedded silo to stop gracefully before it abandons the stop.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    /// <summary>The full path of <c>--data-dir</c>, created when missing; a usage error when it cannot be a folder.</summary>
    internal static string DataDirectory(string? text)
    {
        var dir = CliApp.FolderPath(text, "--data-dir");
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--data-dir '{text}': cannot create the folder ({e.Message}); give a folder you can write to");
        }
        return dir;
    }

    // Both listeners are held open together so the system cannot hand out the same port twice (the silo refuses a
    // gateway port equal to its silo port).
    private static (int Silo, int Gateway) TwoFreePorts()
    {
        var silo = new TcpListener(IPAddress.Loopback, 0);
        var gateway = new TcpListener(IPAddress.Loopback, 0);
        try
        {
            silo.Start();
            gateway.Start();
            return (((IPEndPoint)silo.LocalEndpoint).Port, ((IPEndPoint)gateway.LocalEndpoint).Port);
        }
        finally
        {
            silo.Stop();
            gateway.Stop();
        }
    }
}
