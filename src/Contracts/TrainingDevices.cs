namespace EquiGrid.Contracts;

/// <summary>The values of a trial's <c>device</c> field.</summary>
public static class TrainingDevices
{
    /// <summary>A GPU when the node has one (an ILGPU CUDA accelerator is present), else the CPU.</summary>
    public const string Auto = "auto";
    /// <summary>TorchSharp on the CPU.</summary>
    public const string Cpu = "cpu";
    /// <summary>The ILGPU path on a CUDA device; a node without one refuses the trial.</summary>
    public const string Gpu = "gpu";

    /// <summary>All accepted values.</summary>
    public static IReadOnlyList<string> All { get; } = new[] { Auto, Cpu, Gpu };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field and the accepted values unless <paramref name="device"/> is one of them.</summary>
    public static string Validate(string? device) =>
        device is not null && All.Contains(device)
            ? device
            : throw new ArgumentException($"device = '{device}': use auto (a GPU when the node has one), cpu or gpu");
}
