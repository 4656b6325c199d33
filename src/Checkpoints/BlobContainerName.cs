using System.Text.RegularExpressions;

namespace EquiGrid.Checkpoints;

/// <summary>
/// Azure's rule for container names, checked before any request so that a bad <c>EquiGrid:BlobContainer</c> or
/// <c>--container</c> is a clear error instead of a 400 from the service. Shared by the checkpoint and results stores.
/// </summary>
public static partial class BlobContainerName
{
    /// <summary>Returns <paramref name="container"/> when valid; else throws an <see cref="ArgumentException"/> saying the rule.</summary>
    public static string Validate(string container, string paramName = "container") => Pattern().IsMatch(container)
        ? container
        : throw new ArgumentException($"blob container '{container}': use 3-63 lower-case letters, digits and single hyphens", paramName);

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex Pattern();
}
