namespace EquiGrid.Grains;

/// <summary>
/// A trial grain's answer to a worker's report. Anything but <see cref="Accepted"/> tells the worker to stop the
/// attempt: its lease is gone (fenced), the trial was cancelled, or it already finished.
/// </summary>
public enum ReportAck
{
    /// <summary>Recorded.</summary>
    Accepted = 0,
    /// <summary>The report came from an attempt that no longer holds the lease (older fencing token or lapsed lease).</summary>
    Stale = 1,
    /// <summary>The trial was cancelled.</summary>
    Cancelled = 2,
    /// <summary>The trial already reached a terminal state by another attempt.</summary>
    AlreadyFinished = 3,
}

/// <summary>
/// Why an attempt ended without a result. Only <see cref="Trial"/> and <see cref="BadInput"/> use up the trial's
/// attempt budget (<c>max_attempts</c>); infrastructure failures are counted against a separate, high cap and the trial
/// waits a backoff before it is leased again.
/// </summary>
public enum FailureKind
{
    /// <summary>The trainer's own error (an exception, a native crash): counts against <c>max_attempts</c>.</summary>
    Trial = 0,
    /// <summary>
    /// Not the trial's fault: the lease lapsed, the node was lost or restarted, the runner was killed by a signal
    /// (SIGKILL, SIGTERM, SIGINT, SIGHUP), storage was unreachable. Never uses up <c>max_attempts</c>.
    /// </summary>
    Infrastructure = 1,
    /// <summary>The runner refused its input (exit code 2): deterministic, so the trial fails at once with the message.</summary>
    BadInput = 2,
}
