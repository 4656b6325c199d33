using Orleans.Concurrency;

namespace EquiGrid.Grains;

/// <summary>
/// One study (key: study id): validates and expands its grid into trials, tracks them, aggregates finished
/// trials' metrics and utilisation summaries into the study table.
/// </summary>
[Alias("equigrid.IStudyGrain")]
public interface IStudyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates, expands and queues the study. Submitting the same definition again is a no-op that returns the
    /// current snapshot; a different definition under an existing id is rejected (<see cref="ArgumentException"/>).
    /// </summary>
    [Alias("Submit")] Task<StudySnapshot> Submit(StudyDefinition definition);
    /// <summary>The study table with each trial's current state.</summary>
    [Alias("GetSnapshot")] Task<StudySnapshot> GetSnapshot();
    /// <summary>Live state of every trial (progress, node, ETA), in grid order.</summary>
    [Alias("GetTrials")] Task<IReadOnlyList<TrialSnapshot>> GetTrials();
    /// <summary>Cancels every unfinished trial; finished results are kept.</summary>
    [Alias("Cancel")] Task<StudySnapshot> Cancel();
    /// <summary>Changes the study's scheduling priority.</summary>
    [Alias("SetPriority")] Task SetPriority(int priority);
    /// <summary>
    /// Re-queues the study's failed trials (or only <paramref name="trialId"/>, a trial name or full id) with a fresh
    /// attempt budget; their checkpoints are kept, so each resumes where it stopped. Returns the ids re-queued.
    /// Unknown study or trial, or a named trial that is not failed: <see cref="ArgumentException"/>.
    /// </summary>
    [Alias("Retry")] Task<IReadOnlyList<string>> Retry(string? trialId = null);
    /// <summary>A trial reached a terminal state (one-way: trials never wait on their study).</summary>
    [OneWay, Alias("TrialFinished")] Task TrialFinished(StudyTableRow row);
}

/// <summary>
/// One trial (key: "{study}/{trial name}"): a fenced state machine. Every report carries the attempt number the
/// lease was granted with (the fencing token); reports from any other attempt, or after the lease lapsed, are refused.
/// </summary>
[Alias("equigrid.ITrialGrain")]
public interface ITrialGrain : IGrainWithStringKey
{
    /// <summary>Creates the trial (idempotent for the same config).</summary>
    [Alias("Initialize")] Task Initialize(string studyId, TrialSpec config, int maxAttempts, string? submitTrace = null);
    /// <summary>Grants a lease when the trial is queued (attempt + 1); null otherwise.</summary>
    [Alias("TryLease")] Task<TrialLease?> TryLease(string node, TimeSpan duration);
    /// <summary>Extends the lease of the current attempt.</summary>
    [Alias("Renew")] Task<ReportAck> Renew(int attempt, TimeSpan duration);
    /// <summary>Records progress of the current attempt.</summary>
    [Alias("ReportProgress")] Task<ReportAck> ReportProgress(int attempt, TrainingProgress progress);
    /// <summary>Moves the latest-checkpoint pointer to a checkpoint that was written and verified.</summary>
    [Alias("CommitCheckpoint")] Task<ReportAck> CommitCheckpoint(int attempt, CheckpointRef checkpoint);
    /// <summary>Completes the trial; repeating the same attempt's completion is accepted and changes nothing.</summary>
    [Alias("Complete")] Task<ReportAck> Complete(int attempt, TrialResult outcome);
    /// <summary>
    /// Ends the attempt with an error. <see cref="FailureKind.Trial"/>: back to the queue while attempts remain, else
    /// failed; <see cref="FailureKind.BadInput"/>: failed at once; <see cref="FailureKind.Infrastructure"/>: back to the
    /// queue after a backoff, without using up an attempt (up to a separate cap).
    /// </summary>
    [Alias("Fail")] Task<ReportAck> Fail(int attempt, string error, FailureKind kind = FailureKind.Trial);
    /// <summary>
    /// Hands the lease back at once (the node is stopping or known to be gone): the trial is queued again with no
    /// backoff, and nothing is counted against its attempt budget.
    /// </summary>
    [Alias("Release")] Task<ReportAck> Release(int attempt, string reason);
    /// <summary>
    /// A failed trial goes back to the queue with a fresh attempt budget (its checkpoints kept); false when the trial is
    /// not failed. The caller (the study) enqueues it with the scheduler.
    /// </summary>
    [Alias("Retry")] Task<bool> Retry();
    /// <summary>Re-queues the trial when its lease has lapsed; returns the current snapshot either way.</summary>
    [Alias("ExpireIfLapsed")] Task<TrialSnapshot> ExpireIfLapsed();
    /// <summary>Cancels the trial unless it is already terminal.</summary>
    [Alias("Cancel")] Task Cancel();
    /// <summary>Current state (read-only: never writes state, so it answers while storage is down).</summary>
    [Alias("GetSnapshot")] Task<TrialSnapshot> GetSnapshot();
}

/// <summary>One compute node (key: node name): capabilities, heartbeats and current leases.</summary>
[Alias("equigrid.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Records a heartbeat with the node's capabilities and the trials it is running.</summary>
    [Alias("Heartbeat")] Task Heartbeat(NodeCapabilities capabilities, IReadOnlyList<string> leases);
    /// <summary>Current state.</summary>
    [Alias("GetSnapshot")] Task<NodeSnapshot> GetSnapshot();
}

/// <summary>
/// The scheduler (one per cluster, key <see cref="SchedulerKey"/>): workers pull leases; placement by memory fit and
/// GPU preference; strict priority between studies, fair share within a priority. A timer re-queues lapsed leases.
/// </summary>
[Alias("equigrid.ISchedulerGrain")]
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster's scheduler.</summary>
    public const string SchedulerKey = "default";

    /// <summary>Adds a study's trials to the queue (idempotent).</summary>
    [Alias("Enqueue")] Task Enqueue(string studyId, int priority, IReadOnlyList<string> trialIds, IReadOnlyList<TrialSpec> configs);
    /// <summary>Leases the best trial for this node, or null when none fits.</summary>
    [Alias("Lease")] Task<TrialLease?> Lease(NodeCapabilities node);
    /// <summary>
    /// A trial changed in a way the queue must know (back to queue, or terminal) after <paramref name="attempt"/>; a
    /// queued trial is not leased before <paramref name="notBefore"/> (the backoff after an infrastructure failure). One-way.
    /// </summary>
    [OneWay, Alias("TrialChanged")] Task TrialChanged(string trialId, TrialStatus status, int attempt, DateTimeOffset? notBefore = null);
    /// <summary>
    /// A node's worker (re)started: any lease still recorded for that node belongs to a previous incarnation that is
    /// certainly gone, so each is released at once instead of waiting for it to lapse. Returns the leases released.
    /// </summary>
    [Alias("NodeStarted")] Task<int> NodeStarted(string node);
    /// <summary>Changes a study's priority.</summary>
    [Alias("SetPriority")] Task SetPriority(string studyId, int priority);
    /// <summary>Drops a cancelled study's pending trials.</summary>
    [Alias("CancelStudy")] Task CancelStudy(string studyId);
    /// <summary>A node's heartbeat (one-way, from the node grain).</summary>
    [OneWay, Alias("NodeSeen")] Task NodeSeen(NodeCapabilities node, DateTimeOffset at);
    /// <summary>Re-queues lapsed leases now (the timer does this periodically).</summary>
    [Alias("ScanLeases")] Task<int> ScanLeases();
    /// <summary>Known studies and nodes and queue sizes.</summary>
    [Alias("GetSnapshot")] Task<SchedulerSnapshot> GetSnapshot();
}
