namespace EquiGrid.Analysis.Data;

/// <summary>
/// A study folder: optional <c>study.json</c> (name and description) plus one sub-folder per trial.
/// A path that is itself a trial is treated as a study of one.
/// </summary>
public sealed class StudyDirectory
{
    /// <summary>Study metadata file name.</summary>
    public const string StudyFile = "study.json";

    private StudyDirectory(string name, IReadOnlyList<TrialDirectory> trials) { Name = name; Trials = trials; }

    /// <summary>Study name (study.json's "name", else the folder name).</summary>
    public string Name { get; }

    /// <summary>Trials in name order.</summary>
    public IReadOnlyList<TrialDirectory> Trials { get; }

    /// <summary>Opens a study or a single trial folder.</summary>
    public static StudyDirectory Open(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: study or trial folder not found (for a study that ran on a cluster, download its folders first: equigrid pull STUDY)");
        string folderName = Path.GetFileName(Path.GetFullPath(path).TrimEnd('/'));
        if (TrialDirectory.IsTrial(path)) return new StudyDirectory(folderName, new[] { new TrialDirectory(path) });
        string name = folderName;
        var studyFile = Path.Combine(path, StudyFile);
        if (File.Exists(studyFile)) name = LooseJson.Text(LooseJson.ReadObject(studyFile), "name") ?? folderName;
        var trials = Directory.GetDirectories(path).Where(TrialDirectory.IsTrial).Order(StringComparer.Ordinal)
            .Select(d => new TrialDirectory(d)).ToList();
        if (trials.Count == 0)
            throw new InvalidDataException($"{path}: no trials found (a trial folder has result.json or embeddings/; a study folder has one such sub-folder per trial)");
        return new StudyDirectory(name, trials);
    }
}
