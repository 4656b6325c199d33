using System.CommandLine;
using EquiGrid.Client.Cli;
using EquiGrid.Grains;
using EquiGrid.Grains.Studies;
using Spectre.Console;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>The cluster verbs: submit, status, trials, nodes, cancel, results (through a gateway), pull (from blob storage), run.</summary>
public static class ClusterCommands
{
    /// <summary>All cluster verbs (Program.cs adds them with one line).</summary>
    public static IEnumerable<Command> Create() => [Submit(), Status(), Trials(), Nodes(), Cancel(), Retry(), Results(), PullCommand.Create(), RunCommand.Create()];

    private static Command Submit()
    {
        var file = new Argument<string>("study.yaml") { Description = "Study file (see docs/cluster.md)" };
        var json = CliApp.JsonOption();
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and print the expanded trials (id and every field) and claims; contact no cluster" };
        var skipDataCheck = SkipDataCheckOption();
        var cmd = new Command("submit", "Validate a study file and submit it to the cluster") { file, dryRun, skipDataCheck, json };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var (definition, trials) = LoadStudy(parse.GetValue(file)!, parse.GetValue(skipDataCheck)); // every error with its line, before connecting
            if (parse.GetValue(dryRun))
            {
                if (parse.GetValue(json)) CliApp.WriteJson(StudyPlan.Json(definition, trials));
                else StudyPlan.Print(definition, trials);
                return ExitCodes.Ok;
            }
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var study = ClusterConnection.Grains(host).GetGrain<IStudyGrain>(definition.Id);
            bool existed = (await study.GetSnapshot()).Definition is not null;
            var snap = await study.Submit(definition);
            int failed = snap.Count(TrialStatus.Failed);
            if (parse.GetValue(json))
            {
                CliApp.WriteJson(new { snap.StudyId, Trials = trials.Count, snap.Status, AlreadySubmitted = existed, Failed = failed });
                return ExitCodes.Ok;
            }
            if (!existed) { Console.WriteLine($"submitted {definition.Id}: {trials.Count} trials"); return ExitCodes.Ok; }
            // Re-submitting changes nothing: say so, and how to re-run what failed.
            Console.WriteLine($"already submitted, unchanged: {StudyView.Summary(snap)}");
            if (failed > 0) Console.WriteLine($"{failed} failed trial(s) are not re-run by submitting again; re-queue them with: equigrid retry {definition.Id}");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    /// <summary>A study id argument, checked before connecting: a malformed one names no study on any cluster.</summary>
    internal static string StudyId(string id) => StudyValidator.IsValidId(id) ? id
        : throw new UserInputException($"study id '{id}': use letters, digits, '.', '-' or '_' (at most 64), as after 'study:' in the study file");

    /// <summary>The <c>--skip-data-check</c> flag of the verbs that read a study file.</summary>
    internal static Option<bool> SkipDataCheckOption() => new("--skip-data-check")
    {
        Description = "Do not require every data_path to exist on this machine (when the data lives only on the nodes)",
    };

    /// <summary>
    /// Reads and validates a study file, and refuses data paths that do not exist here (unless skipped): a trial that
    /// cannot read its data would fail on a node instead.
    /// </summary>
    internal static (StudyDefinition Definition, IReadOnlyList<ExpandedTrial> Trials) LoadStudy(string path, bool skipDataCheck)
    {
        var (definition, trials) = StudyFile.Load(path);
        if (!skipDataCheck && StudyFile.MissingDataPaths(trials) is { Count: > 0 } missing)
            throw new UserInputException($"{path}: data_path {string.Join(", ", missing.Select(m => $"'{m}'"))} does not exist on this machine " +
                "(relative paths are relative to the study file); fix the path, or pass --skip-data-check when only the nodes have the data");
        return (definition, trials);
    }

    private static Command Status()
    {
        var study = new Argument<string?>("study") { Description = "Study id (omit to list studies)", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch") { Description = "Keep refreshing until the study finishes (Ctrl+C stops watching)" };
        var json = CliApp.JsonOption();
        var cmd = new Command("status", "Show a study's progress per trial, or list studies") { study, watch, json };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = parse.GetValue(study) is { } given ? StudyId(given) : null;
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var grains = ClusterConnection.Grains(host);
            if (id is null)
            {
                var sched = await grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).GetSnapshot();
                var snaps = await Task.WhenAll(sched.Studies.Select(s => grains.GetGrain<IStudyGrain>(s).GetSnapshot()));
                if (parse.GetValue(json)) CliApp.WriteJson(snaps.Select(s => new { s.StudyId, s.Status, Trials = s.Rows.Count }));
                else foreach (var s in snaps) Console.WriteLine(StudyView.Summary(s));
                return ExitCodes.Ok;
            }
            if (parse.GetValue(json)) { CliApp.WriteJson(await grains.GetGrain<IStudyGrain>(id).GetTrials()); return ExitCodes.Ok; }
            try
            {
                await StudyView.WatchAsync(grains.GetGrain<IStudyGrain>(id), parse.GetValue(watch), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Ok; // Ctrl+C ends a watch; the study keeps running
            }
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static Command Trials()
    {
        var study = new Argument<string>("study") { Description = "Study id" };
        var json = CliApp.JsonOption();
        var cmd = new Command("trials", "List a study's trials with state, attempts, node and latest checkpoint") { study, json };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = StudyId(parse.GetValue(study)!);
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var trials = await ClusterConnection.Grains(host).GetGrain<IStudyGrain>(id).GetTrials();
            if (parse.GetValue(json)) CliApp.WriteJson(trials);
            else AnsiConsole.Write(StudyView.Trials(trials));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static Command Nodes()
    {
        var json = CliApp.JsonOption();
        var cmd = new Command("nodes", "List compute nodes: each accelerator (memory, measured molecules/s of the reference trial), slots, leases, heartbeat") { json };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var grains = ClusterConnection.Grains(host);
            var sched = await grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.SchedulerKey).GetSnapshot();
            var nodes = await Task.WhenAll(sched.Nodes.Select(n => grains.GetGrain<INodeGrain>(n).GetSnapshot()));
            if (parse.GetValue(json)) { CliApp.WriteJson(nodes); return ExitCodes.Ok; }
            AnsiConsole.Write(NodesView.Table(nodes));
            Console.WriteLine($"{sched.Pending} queued, {sched.Leased} leased, {sched.Dispatched} dispatched in total");
            if (sched.FitNoLiveNode > 0)
                Console.WriteLine($"{sched.FitNoLiveNode} queued trial(s) fit no live node (memory or device) and wait for one that offers it");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static Command Cancel()
    {
        var study = new Argument<string>("study") { Description = "Study id" };
        var cmd = new Command("cancel", "Cancel a study's unfinished trials (finished results are kept)") { study };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = StudyId(parse.GetValue(study)!);
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var snap = await ClusterConnection.Grains(host).GetGrain<IStudyGrain>(id).Cancel();
            Console.WriteLine(StudyView.Summary(snap));
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static Command Retry()
    {
        var study = new Argument<string>("study") { Description = "Study id" };
        var trial = new Argument<string?>("trial") { Description = "Trial name (as in `equigrid trials`) or full id; omit to retry every failed trial", Arity = ArgumentArity.ZeroOrOne };
        var json = CliApp.JsonOption();
        var cmd = new Command("retry", "Re-queue a study's failed trials (or one of them) with a fresh attempt budget; each resumes from its latest checkpoint") { study, trial, json };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = StudyId(parse.GetValue(study)!);
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var retried = await ClusterConnection.Grains(host).GetGrain<IStudyGrain>(id).Retry(parse.GetValue(trial));
            if (parse.GetValue(json)) CliApp.WriteJson(new { Study = id, Retried = retried });
            else if (retried.Count == 0) Console.WriteLine($"{id}: no failed trials, nothing to retry");
            else Console.WriteLine($"re-queued {retried.Count} failed trial(s) of {id}: {string.Join(", ", retried.Select(t => t[(t.IndexOf('/') + 1)..]))}");
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }

    private static Command Results()
    {
        var study = new Argument<string>("study") { Description = "Study id" };
        var json = CliApp.JsonOption();
        var cmd = new Command("results", "The study table: each trial's configuration and final metrics") { study, json };
        ClusterConnection.AddTo(cmd);
        cmd.SetAction((parse, ct) => CliApp.RunAsync(async ct =>
        {
            var id = StudyId(parse.GetValue(study)!);
            using var host = await ClusterConnection.ConnectAsync(parse, ct);
            var snap = await ClusterConnection.Grains(host).GetGrain<IStudyGrain>(id).GetSnapshot();
            if (snap.Definition is null) throw new UserInputException($"study '{id}' does not exist; `equigrid status` lists the studies");
            if (parse.GetValue(json)) CliApp.WriteJson(snap.Table());
            else ResultsTable.Print(snap);
            return ExitCodes.Ok;
        }, ct));
        return cmd;
    }
}
