using EquiGrid.Training;
using Microsoft.Extensions.Logging;

namespace EquiGrid.Silo.Checkpoints;

/// <summary>Loads the newest checkpoint that verifies, skipping corrupt or missing ones (each skip is logged).</summary>
public static class CheckpointLoader
{
    /// <summary>
    /// Tries <paramref name="candidates"/> newest first; returns the first that loads and verifies, or null when none does
    /// (the attempt then starts from scratch, which is slower but still correct).
    /// </summary>
    public static async Task<(CheckpointRef Ref, byte[] Payload)?> LoadNewestValidAsync(
        ICheckpointStore store, IEnumerable<CheckpointRef> candidates, ILogger logger, CancellationToken ct = default)
    {
        foreach (var c in candidates.OrderByDescending(c => c.Step).ThenByDescending(c => c.Attempt))
        {
            try
            {
                return (c, await store.LoadAsync(c, ct));
            }
            catch (CheckpointCorruptException e)
            {
                logger.LogWarning("Skipping checkpoint {Location} (step {Step}): {Message}", c.Location, c.Step, e.Message);
            }
        }
        return null;
    }
}
