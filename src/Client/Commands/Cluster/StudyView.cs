using EquiGrid.Grains.Resilience;
using EquiGrid.Grains;
using Spectre.Console;

namespace EquiGrid.Client.Commands.Cluster;

/// <summary>Tables of trials and study results shared by status, trials, run and results.</summary>
internal static class StudyView
{
    /// <summary>Live state of every trial: epoch, loss, ETA, node.</summary>
    public static Table Trials(IReadOnlyList<TrialSnapshot> trials)
    {
        var t = new Table().AddColumns("trial", "state", "attempt", "epoch", "step", "train loss", "val loss", "ETA", "node", "test MAE (eV)");
        foreach (var s in trials)
        {
            var p = s.LastProgress;
            t.AddRow(
                Markup.Escape(s.TrialId[(s.TrialId.IndexOf('/') + 1)..]),
                Markup.Escape(s.Status.ToString().ToLowerInvariant()),
                s.Attempt.ToString(),
                p is null ? "-" : $"{p.Epoch + 1}/{s.Config.Epochs}",
                p is null ? "-" : $"{p.Step}/{p.TotalSteps}",
                p is null ? "-" : p.TrainLoss.ToString("G4"),
                s.History.Count == 0 ? "-" : s.History[^1].ValLoss.ToString("G4"),
                s.EtaSeconds is { } eta ? TimeSpan.FromSeconds(Math.Round(eta)).ToString() : "-",
                Markup.Escape(s.Status.IsHeld() ? s.Node ?? "-" : "-"),
                s.Outcome is null ? "-" : s.Outcome.TestMaeEv.ToString("F4"));
        }
        return t;
    }

    /// <summary>One line summary of a study.</summary>
    public static string Summary(StudySnapshot s) =>
        $"{s.StudyId}: {s.Status.ToString().ToLowerInvariant()}, {s.Rows.Count} trials: {s.Count(TrialStatus.Completed)} completed, " +
        $"{s.Rows.Count(r => r.Status.IsHeld())} running, {s.Count(TrialStatus.Queued)} queued, {s.Count(TrialStatus.Failed)} failed, {s.Count(TrialStatus.Cancelled)} cancelled";

    /// <summary>True when nothing more will happen to the study.</summary>
    public static bool Finished(StudySnapshot s) => s.Status is StudyStatus.Completed or StudyStatus.CompletedWithFailures or StudyStatus.Cancelled;

    /// <summary>Polls the study and redraws the trial table until it finishes or <paramref name="ct"/> fires.</summary>
    public static async Task<StudySnapshot> WatchAsync(IStudyGrain study, bool watch, CancellationToken ct)
    {
        // A silo that dies mid-watch makes calls time out until the cluster declares it dead and the study grain
        // reactivates elsewhere; a watch rides that out instead of failing.
        var patience = watch ? TimeSpan.FromMinutes(5) : TimeSpan.Zero;
        Task<T> Call<T>(Func<Task<T>> f) => TransientGrainCalls.RetryAsync(f, patience, ct);
        var trials = await Call(study.GetTrials);
        var snap = await Call(study.GetSnapshot);
        if (!watch || Console.IsOutputRedirected)
        {
            if (!watch) { AnsiConsole.Write(Trials(trials)); AnsiConsole.WriteLine(Summary(snap)); return snap; }
            // Redirected: one summary line whenever it changes.
            string last = "";
            while (!ct.IsCancellationRequested)
            {
                snap = await Call(study.GetSnapshot);
                var line = Summary(snap);
                if (line != last) { Console.WriteLine(line); last = line; }
                if (Finished(snap)) break;
                await Task.Delay(1000, ct);
            }
            return snap;
        }
        await AnsiConsole.Live(Trials(trials)).StartAsync(async ctx =>
        {
            while (!ct.IsCancellationRequested)
            {
                trials = await Call(study.GetTrials);
                snap = await Call(study.GetSnapshot);
                ctx.UpdateTarget(new Rows(Trials(trials), new Text(Summary(snap))));
                ctx.Refresh();
                if (Finished(snap)) break;
                try { await Task.Delay(1000, ct); } catch (OperationCanceledException) { break; }
            }
        });
        return snap;
    }
}
