namespace EquiGrid.Training;

/// <summary>Which epochs a trial's <see cref="TrialSpec.ExportAt"/> fractions select.</summary>
public static class ExportSchedule
{
    /// <summary>
    /// The epochs (number of epochs finished, 1..Epochs) for the spec's export_at fractions, ascending and distinct:
    /// fraction f maps to ceil(f x epochs), so 0.3 of 30 epochs is epoch 9 and 1.0 the last. Throws naming the field
    /// for a fraction outside (0, 1].
    /// </summary>
    public static IReadOnlyList<int> Epochs(TrialSpec spec)
    {
        if (spec.ExportAt is null) return Array.Empty<int>();
        foreach (var f in spec.ExportAt)
            if (!(f > 0 && f <= 1)) throw new ArgumentException($"export_at = {f}: fractions of training must be in (0, 1], e.g. [0.3, 1.0]");
        // The small tolerance keeps 0.3 x 100 = 30.000000000000004 at epoch 30.
        return spec.ExportAt.Select(f => Math.Clamp((int)Math.Ceiling(f * spec.Epochs - 1e-9), 1, spec.Epochs)).Distinct().Order().ToList();
    }

    /// <summary>The requested fraction that selected <paramref name="epoch"/> (the first, if several map to it).</summary>
    public static double FractionOf(TrialSpec spec, int epoch) =>
        spec.ExportAt?.Where(f => f > 0 && f <= 1).Order().FirstOrDefault(f => Math.Clamp((int)Math.Ceiling(f * spec.Epochs - 1e-9), 1, spec.Epochs) == epoch) is { } f and > 0
            ? f : (double)epoch / spec.Epochs;
}
