using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EquiGrid.Grains.Telemetry;

/// <summary>
/// The cluster's OpenTelemetry sources: one <see cref="ActivitySource"/> (traces: submit, schedule, attempt, epoch,
/// checkpoint, complete) and one <see cref="Meter"/>. Silo and worker register both names with the SDK.
/// </summary>
public static class ClusterTelemetry
{
    /// <summary>Name of the activity source and the meter.</summary>
    public const string Name = "EquiGrid.Cluster";

    /// <summary>Trace source.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Metric source.</summary>
    public static readonly Meter Meter = new(Name);

    private static readonly ConcurrentDictionary<string, TrialStatus> TrialStates = new();
    private static readonly ConcurrentDictionary<string, DateTimeOffset> NodeHeartbeatTimes = new();

    /// <summary>
    /// Starts the root span of one trial attempt (a new trace per attempt, so a week-long trial is not one giant trace),
    /// linked to the study.submit span that created the trial when the lease carries its traceparent.
    /// </summary>
    public static Activity? StartAttempt(TrialLease lease)
    {
        ActivityLink[]? links = lease.SubmitTrace is { } tp && ActivityContext.TryParse(tp, null, out var submit) ? [new ActivityLink(submit)] : null;
        var activity = Source.StartActivity("trial.attempt", ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("equigrid.study", lease.StudyId);
        activity?.SetTag("equigrid.trial", lease.TrialId);
        activity?.SetTag("equigrid.attempt", lease.Attempt);
        return activity;
    }

    /// <summary>Trials by state, as seen by the trial grains active in this silo.</summary>
    public static readonly ObservableGauge<int> TrialsByState = Meter.CreateObservableGauge("equigrid.trials", ObserveTrials, "{trial}", "Trials by state (active in this silo)");

    /// <summary>Leases granted by the scheduler.</summary>
    public static readonly Counter<long> LeasesGranted = Meter.CreateCounter<long>("equigrid.leases.granted", "{lease}", "Leases granted");
    /// <summary>Leases that lapsed and were re-queued.</summary>
    public static readonly Counter<long> LeasesLapsed = Meter.CreateCounter<long>("equigrid.leases.lapsed", "{lease}", "Leases that lapsed");
    /// <summary>Reports refused by fencing.</summary>
    public static readonly Counter<long> StaleReports = Meter.CreateCounter<long>("equigrid.reports.stale", "{report}", "Reports refused because their attempt no longer held the lease");
    /// <summary>Attempts that ended without a result, by <c>kind</c> (trial, infrastructure, bad_input) and <c>study</c>.</summary>
    public static readonly Counter<long> FailedAttempts = Meter.CreateCounter<long>("equigrid.attempts.failed", "{attempt}", "Attempts that ended without a result, by kind");
    /// <summary>Checkpoints a resuming attempt skipped because they did not verify (reported by the worker).</summary>
    public static readonly Counter<long> CorruptCheckpoints = Meter.CreateCounter<long>("equigrid.checkpoints.corrupt", "{checkpoint}", "Checkpoints skipped as corrupt when resuming");
    /// <summary>Worker calls to trial grains that failed transiently and were retried (storage or silo blips).</summary>
    public static readonly Counter<long> ReportRetries = Meter.CreateCounter<long>("equigrid.reports.retried", "{call}", "Worker-to-grain calls retried after a transient failure");
    /// <summary>Epoch wall time.</summary>
    public static readonly Histogram<double> EpochDuration = Meter.CreateHistogram<double>("equigrid.epoch.duration", "s", "Epoch wall time");
    /// <summary>Training throughput reported by attempts.</summary>
    public static readonly Histogram<double> MoleculesPerSecond = Meter.CreateHistogram<double>("equigrid.training.molecules_per_second", "{molecule}/s", "Training throughput");
    /// <summary>Checkpoint size.</summary>
    public static readonly Histogram<long> CheckpointBytes = Meter.CreateHistogram<long>("equigrid.checkpoint.size", "By", "Checkpoint size");
    /// <summary>Checkpoint save latency (write + verify), measured by the worker's child process.</summary>
    public static readonly Histogram<double> CheckpointLatency = Meter.CreateHistogram<double>("equigrid.checkpoint.latency", "s", "Checkpoint save latency");
    /// <summary>Node heartbeats received.</summary>
    public static readonly Counter<long> Heartbeats = Meter.CreateCounter<long>("equigrid.node.heartbeats", "{heartbeat}", "Node heartbeats");
    /// <summary>
    /// Seconds since each node's last heartbeat, for the node grains active in this silo (the alert rules' "node heartbeat
    /// lost"). A node grain is forgotten when Orleans collects it, so a node removed for good stops being reported then.
    /// </summary>
    public static readonly ObservableGauge<double> HeartbeatAge = Meter.CreateObservableGauge("equigrid.node.heartbeat.age", ObserveHeartbeatAges, "s", "Seconds since the node's last heartbeat");
    /// <summary>Progress reports accepted from running attempts: flat while trials are held means training has stalled.</summary>
    public static readonly Counter<long> ProgressReports = Meter.CreateCounter<long>("equigrid.progress.reports", "{report}", "Progress reports accepted from running attempts");
    /// <summary>Trials that used up their attempts and were marked failed (tag <c>study</c>).</summary>
    public static readonly Counter<long> TrialsFailed = Meter.CreateCounter<long>("equigrid.trials.failed", "{trial}", "Trials marked failed after their last attempt");
    /// <summary>Checkpoints the trial runner could not save (store unreachable, or the stored blob did not verify).</summary>
    public static readonly Counter<long> CheckpointSaveFailures = Meter.CreateCounter<long>("equigrid.checkpoints.save_failed", "{checkpoint}", "Checkpoints that could not be saved");
    /// <summary>Per-l utilisation of finished trials (from their analysis summaries).</summary>
    public static readonly Histogram<double> Utilisation = Meter.CreateHistogram<double>("equigrid.trial.utilisation", "1", "Per-l irrep utilisation of finished trials");

    /// <summary>Records a trial grain's current state for the gauge.</summary>
    public static void SetTrialState(string trialId, TrialStatus status) => TrialStates[trialId] = status;

    /// <summary>Forgets a deactivated trial grain.</summary>
    public static void ForgetTrial(string trialId) => TrialStates.TryRemove(trialId, out _);

    /// <summary>Records a node's heartbeat for the age gauge.</summary>
    public static void SetHeartbeat(string node, DateTimeOffset at) => NodeHeartbeatTimes[node] = at;

    /// <summary>Forgets a deactivated node grain.</summary>
    public static void ForgetNode(string node) => NodeHeartbeatTimes.TryRemove(node, out _);

    private static IEnumerable<Measurement<double>> ObserveHeartbeatAges()
    {
        var now = DateTimeOffset.UtcNow;
        return NodeHeartbeatTimes.Select(kv => new Measurement<double>((now - kv.Value).TotalSeconds, new KeyValuePair<string, object?>("node", kv.Key)));
    }

    private static IEnumerable<Measurement<int>> ObserveTrials() =>
        TrialStates.Values.GroupBy(s => s).Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("state", g.Key.ToString().ToLowerInvariant())));
}
