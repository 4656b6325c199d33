using System.Globalization;
using System.Text.RegularExpressions;

namespace EquiGrid.Checkpoints;

/// <summary>
/// Checkpoint names shared by the blob and file stores: <c>studies/{study}/trials/{trial}/attempt-{n}/step-{s}.ckpt</c>.
/// Trial ids are "{study}/{trial name}"; an id without a study part is filed under study "_".
/// </summary>
public static partial class CheckpointLayout
{
    [GeneratedRegex(@"/attempt-(\d+)/step-(\d+)\.ckpt$")]
    private static partial Regex NamePattern();

    /// <summary>The folder (prefix) holding every checkpoint of a trial, ending with '/'.</summary>
    public static string TrialPrefix(string trialId)
    {
        var slash = trialId.IndexOf('/');
        var (study, trial) = slash < 0 ? ("_", trialId) : (trialId[..slash], trialId[(slash + 1)..]);
        if (study.Length == 0 || trial.Length == 0 || trial.Contains('/') || trialId.Contains(".."))
            throw new ArgumentException($"trial id '{trialId}' must be 'study/trial' without further '/' or '..'");
        return $"studies/{study}/trials/{trial}/";
    }

    /// <summary>The name of one checkpoint.</summary>
    public static string Name(string trialId, int attempt, long step) =>
        string.Create(CultureInfo.InvariantCulture, $"{TrialPrefix(trialId)}attempt-{attempt}/step-{step}.ckpt");

    /// <summary>Parses attempt and step from a checkpoint name; false for anything else (temporary uploads).</summary>
    public static bool TryParse(string name, out int attempt, out long step)
    {
        var m = NamePattern().Match(name);
        attempt = m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        step = m.Success ? long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return m.Success;
    }
}
