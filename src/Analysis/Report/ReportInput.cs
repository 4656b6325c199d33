using EquiGrid.Analysis.Data;

namespace EquiGrid.Analysis.Report;

/// <summary>
/// What a report is built from: the study table and the trials' analysis folders beside it. A study folder is what
/// <c>pull</c> and <c>run</c> leave: <c>study_table.json</c> (the study grain's table) and one folder per trial, named
/// after it. A single trial folder (<c>train --out</c>) has no study grain: its table is the one row of its result.json.
/// </summary>
/// <param name="Table">The study table.</param>
/// <param name="Trials">The trial folders found, by trial name (a row may have none).</param>
/// <param name="SingleTrial">True for a single trial folder (no study grain made the table).</param>
public sealed record ReportInput(StudyTable Table, IReadOnlyDictionary<string, TrialDirectory> Trials, bool SingleTrial)
{
    /// <summary>Reads the table of <paramref name="path"/> and finds the trial folders its rows name (a row may have none).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A study folder without its table (names the file and the command that saves it).</exception>
    public static ReportInput Open(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: study or trial folder not found (for a study that ran on a cluster, download it first: equigrid pull STUDY)");
        var tableFile = Path.Combine(path, StudyTable.FileName);
        if (File.Exists(tableFile))
        {
            var table = ContractJson.Read<StudyTable>(tableFile);
            var trials = new Dictionary<string, TrialDirectory>(StringComparer.Ordinal);
            foreach (var row in table.Rows)
            {
                var folder = Path.Combine(path, row.Trial);
                if (TrialDirectory.IsTrial(folder)) trials[row.Trial] = new TrialDirectory(folder);
            }
            return new ReportInput(table, trials, SingleTrial: false);
        }
        if (TrialDirectory.IsTrial(path)) return OneTrial(new TrialDirectory(path));
        throw new FileNotFoundException($"{tableFile}: no study table here; save the study grain's table first: `equigrid pull STUDY` (a cluster study) or `equigrid run STUDY.yaml` (embedded) write it beside the trial folders", tableFile);
    }

    // A trial trained outside a study: its result (with the folder's utilisation.json when the result carries none) is the row.
    private static ReportInput OneTrial(TrialDirectory trial)
    {
        var result = trial.LoadResult()
            ?? throw new FileNotFoundException($"{trial.File_(TrialDirectory.ResultFile)}: a trial folder without its result; the report needs the trial's result.json (written by `equigrid train`)", trial.File_(TrialDirectory.ResultFile));
        if (result.Utilisation is null && trial.LoadUtilisation() is { } summary) result = result with { Utilisation = summary };
        var row = new StudyTableRow { TrialId = trial.Name, Spec = result.Spec, Status = TrialStatus.Completed, Result = result };
        return new ReportInput(new StudyTable { Study = trial.Name, Status = StudyStatus.Completed, Rows = [row] }, new Dictionary<string, TrialDirectory> { [trial.Name] = trial }, SingleTrial: true);
    }
}
