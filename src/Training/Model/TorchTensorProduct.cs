using EquiGrid.Kernels;
using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>
/// The fully connected tensor product written with plain TorchSharp ops (einsum per path over dense Wigner 3j
/// blocks): slow, but autograd derives its backward independently, so it is the reference the custom kernel
/// functions are tested against.
/// </summary>
public static class TorchTensorProduct
{
    /// <summary>out[e] = sum over paths of c_path * W[e,u,v,w] C[i,j,k] x1[e,u,i] x2[e,v,j].</summary>
    public static Tensor Apply(TensorProduct tp, Tensor x1, Tensor x2, Tensor weights)
    {
        long rows = x1.shape[0];
        var outBlocks = new List<Tensor>[tp.IrrepsOut.Count];
        for (int i = 0; i < outBlocks.Length; i++) outBlocks[i] = new List<Tensor>();
        for (int p = 0; p < tp.Instructions.Count; p++)
        {
            var ins = tp.Instructions[p];
            var m1 = tp.IrrepsIn1[ins.In1];
            var m2 = tp.IrrepsIn2[ins.In2];
            var mo = tp.IrrepsOut[ins.Out];
            if (m1.Mul == 0 || m2.Mul == 0 || mo.Mul == 0) continue;
            var (s1, len1) = tp.IrrepsIn1.Slice(ins.In1);
            var (s2, len2) = tp.IrrepsIn2.Slice(ins.In2);
            var a = x1.narrow(1, s1, len1).reshape(rows, m1.Mul, m1.Irrep.Dim);
            var b = x2.narrow(1, s2, len2).reshape(rows, m2.Mul, m2.Irrep.Dim);
            int numel = m1.Mul * m2.Mul * mo.Mul;
            var w = weights.narrow(1, tp.WeightOffset(p), numel).reshape(rows, m1.Mul, m2.Mul, mo.Mul);
            var c = tensor(Wigner3j.Get(m1.Irrep.L, m2.Irrep.L, mo.Irrep.L).Select(v => (float)v).ToArray(),
                new long[] { m1.Irrep.Dim, m2.Irrep.Dim, mo.Irrep.Dim }, dtype: x1.dtype);
            var t = einsum("eui,evj,ijk->euvk", a, b, c);
            var o = einsum("euvw,euvk->ewk", w, t) * ins.NormalizationCoefficient;
            outBlocks[ins.Out].Add(o);
        }
        var parts = new List<Tensor>();
        for (int i = 0; i < outBlocks.Length; i++)
        {
            var mo = tp.IrrepsOut[i];
            var block = outBlocks[i].Count == 0
                ? zeros(rows, mo.Mul, mo.Irrep.Dim, dtype: x1.dtype)
                : outBlocks[i].Aggregate((s, t) => s + t);
            parts.Add(block.reshape(rows, mo.Dim));
        }
        return cat(parts, 1);
    }
}
