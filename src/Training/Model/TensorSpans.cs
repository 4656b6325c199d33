using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>Zero-copy float views of contiguous CPU tensors, so the Kernels can read and write TorchSharp storage.</summary>
internal static class TensorSpans
{
    /// <summary>The tensor's storage as floats; the tensor must be a contiguous float32 CPU tensor.</summary>
    public static Span<float> Floats(Tensor t)
    {
        if (t.dtype != ScalarType.Float32) throw new ArgumentException($"expected a float32 tensor, got {t.dtype}", nameof(t));
        if (!t.is_contiguous()) throw new ArgumentException("expected a contiguous tensor", nameof(t));
        return MemoryMarshal.Cast<byte, float>(t.bytes);
    }
}
