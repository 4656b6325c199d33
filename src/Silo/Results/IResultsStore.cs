namespace EquiGrid.Silo.Results;

/// <summary>
/// Where a worker puts each finished trial's analysis folder so that a researcher on another machine can fetch it
/// (<c>equigrid pull</c>) and build the study report. The worker completes a trial only after
/// <see cref="UploadTrialAsync"/> returned, so every completed trial's folder is there.
/// </summary>
public interface IResultsStore
{
    /// <summary>
    /// Uploads every file under <paramref name="folder"/> as the analysis folder of trial
    /// <paramref name="trialName"/> of <paramref name="studyId"/>, replacing what an earlier (partial) attempt left.
    /// </summary>
    /// <returns>Files and bytes uploaded.</returns>
    Task<ResultsTransfer> UploadTrialAsync(string studyId, string trialName, string folder, CancellationToken ct = default);
}

/// <summary>What one upload or download moved.</summary>
/// <param name="Trials">Trial folders.</param>
/// <param name="Files">Files.</param>
/// <param name="Bytes">Bytes.</param>
public readonly record struct ResultsTransfer(int Trials, int Files, long Bytes);
