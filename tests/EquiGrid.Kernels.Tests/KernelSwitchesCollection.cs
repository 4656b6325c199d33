namespace EquiGrid.Kernels.Tests;

/// <summary>
/// Test classes that flip <c>CpuKernelSwitches</c> (process-wide) or compare results bit for bit run in this one
/// collection, one test at a time: a switch flipped by one class mid-way through another class's bit-identity test
/// would change which (equally correct) kernel runs and so the bits.
/// </summary>
[CollectionDefinition(Name)]
public sealed class KernelSwitchesCollection
{
    public const string Name = "CPU kernel switches";
}
