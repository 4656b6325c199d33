using System.Text.RegularExpressions;
using EquiGrid.Grains.Studies;

namespace EquiGrid.Silo.Results;

/// <summary>
/// Blob names of analysis folders: <c>results/{study}/{trial}/{relative path}</c> (one blob per file, '/' separated),
/// next to the checkpoints' <c>studies/...</c> tree in the same container.
/// </summary>
public static partial class ResultsLayout
{
    /// <summary>Top-level prefix of every analysis blob.</summary>
    public const string Root = "results/";

    /// <summary>Prefix of one study's analysis blobs (validates the id: a '/' would reach another study's blobs).</summary>
    public static string StudyPrefix(string studyId) => StudyValidator.IsValidId(studyId)
        ? Root + studyId + "/"
        : throw new ArgumentException($"study id '{studyId}': use letters, digits, '.', '-', '_' (at most 64), as in the study file");

    /// <summary>Prefix of one trial's analysis blobs.</summary>
    public static string TrialPrefix(string studyId, string trialName) => StudyPrefix(studyId) + (TrialNamePattern().IsMatch(trialName)
            ? trialName
            : throw new ArgumentException($"trial name '{trialName}': must be 1-200 characters without '/', '\\' or control characters")) + "/";

    /// <summary>Blob name of one file of a trial's analysis folder (<paramref name="relativePath"/> in either separator style).</summary>
    public static string Name(string studyId, string trialName, string relativePath) =>
        TrialPrefix(studyId, trialName) + relativePath.Replace('\\', '/');

    /// <summary>Splits a blob name under <see cref="StudyPrefix"/> into the trial name and the file's relative path.</summary>
    public static bool TryParse(string studyId, string blobName, out string trialName, out string relativePath)
    {
        trialName = relativePath = "";
        var prefix = StudyPrefix(studyId);
        if (!blobName.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var rest = blobName[prefix.Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1) return false;
        trialName = rest[..slash];
        relativePath = rest[(slash + 1)..];
        // Never write outside the destination folder, whatever a blob is called.
        return relativePath.Split('/').All(s => s.Length > 0 && s != "." && s != "..") && TrialNamePattern().IsMatch(trialName);
    }

    // Trial names come from the grid (extra-axis values included): anything but a path separator or "."/"..".
    [GeneratedRegex(@"^(?!\.{1,2}$)[^/\\\x00-\x1f]{1,200}$")]
    private static partial Regex TrialNamePattern();
}
