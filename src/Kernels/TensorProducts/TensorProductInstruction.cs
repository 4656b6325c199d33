namespace EquiGrid.Kernels;

/// <summary>
/// One path of a tensor product, as in e3nn: block <see cref="In1"/> of the first input times block
/// <see cref="In2"/> of the second, coupled by the real Wigner 3j symbol into block <see cref="Out"/> of the output.
/// Only e3nn's fully connected mode "uvw" with a weight is supported: every (u, v) pair of input channels reaches
/// every output channel w through its own weight, so the path's weight block has shape [mul1, mul2, mulOut].
/// </summary>
/// <param name="In1">Index of the block of the first input irreps.</param>
/// <param name="In2">Index of the block of the second input irreps.</param>
/// <param name="Out">Index of the block of the output irreps.</param>
/// <param name="Mode">Connection mode; must be "uvw".</param>
/// <param name="HasWeight">Must be true ("uvw" without weights would sum channels blindly; the model never uses it).</param>
/// <param name="PathWeight">Extra factor on the path's variance (e3nn's <c>path_weight</c>); 1 by default.</param>
public sealed record TensorProductInstruction(int In1, int In2, int Out, string Mode = "uvw", bool HasWeight = true, double PathWeight = 1.0)
{
    /// <summary>
    /// The factor sqrt(alpha) that multiplies the path, computed by <see cref="TensorProduct"/> from e3nn's
    /// "component" irrep normalisation and "element" path normalisation (NaN until the instruction is part of a
    /// tensor product; a value given here is replaced).
    /// </summary>
    public double NormalizationCoefficient { get; init; } = double.NaN;

    /// <summary>Human-readable form, e.g. "[0] 1o x [1] 1o -> [2] 2e".</summary>
    public string Describe(Irreps in1, Irreps in2, Irreps output) =>
        $"{in1[In1]} x {in2[In2]} -> {output[Out]}";
}
