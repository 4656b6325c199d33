using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Kernels;

/// <summary>Field indices of one path's geometry in <see cref="IlgpuTables.Path"/> (stride <see cref="Stride"/>).</summary>
internal static class PathField
{
    public const int In1Start = 0, Mul1 = 1, D1 = 2, In2Start = 3, Mul2 = 4, D2 = 5, OutStart = 6, MulOut = 7, D3 = 8, WeightOffset = 9;
    public const int Stride = 10;
}

/// <summary>
/// The plan as device arrays. Every kernel gathers (one thread per output element, no atomics), so each needs the
/// non-zero 3j entries grouped by the index it owns: by k for the forward pass and the weight gradient's inner
/// sums, by i for dL/dx1 and by j for dL/dx2. Group g of path p spans [Begin[Off[p] + g], End[Off[p] + g]).
/// </summary>
internal struct IlgpuTables
{
    public ArrayView<int> Path;

    public ArrayView<int> ByKI, ByKJ, ByKK; public ArrayView<float> ByKV; public ArrayView<int> KOff, KBegin, KEnd;
    public ArrayView<int> ByII, ByIJ, ByIK; public ArrayView<float> ByIV; public ArrayView<int> IOff, IBegin, IEnd;
    public ArrayView<int> ByJI, ByJJ, ByJK; public ArrayView<float> ByJV; public ArrayView<int> JOff, JBegin, JEnd;

    /// <summary>Per element of out / in1 / in2: its block; per block: the paths that touch it (CSR).</summary>
    public ArrayView<int> OutBlockOf, OutPathBegin, OutPaths;
    public ArrayView<int> In1BlockOf, In1PathBegin, In1Paths;
    public ArrayView<int> In2BlockOf, In2PathBegin, In2Paths;

    /// <summary>Per weight position within a row: its path.</summary>
    public ArrayView<int> WeightPath;

    public int In1Dim, In2Dim, OutDim, WeightNumel;
}

/// <summary>Builds and owns the device buffers behind <see cref="IlgpuTables"/>.</summary>
internal sealed class IlgpuTableBuffers : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    public IlgpuTables Tables;

    public IlgpuTableBuffers(Accelerator accelerator, TensorProductPlan plan, TensorProduct tp)
    {
        var paths = plan.Paths;
        var geometry = new int[Math.Max(1, paths.Length * PathField.Stride)];
        for (int p = 0; p < paths.Length; p++)
        {
            var c = paths[p];
            int o = p * PathField.Stride;
            geometry[o + PathField.In1Start] = c.In1Start; geometry[o + PathField.Mul1] = c.Mul1; geometry[o + PathField.D1] = c.D1;
            geometry[o + PathField.In2Start] = c.In2Start; geometry[o + PathField.Mul2] = c.Mul2; geometry[o + PathField.D2] = c.D2;
            geometry[o + PathField.OutStart] = c.OutStart; geometry[o + PathField.MulOut] = c.MulOut; geometry[o + PathField.D3] = c.D3;
            geometry[o + PathField.WeightOffset] = c.WeightOffset;
        }
        var t = new IlgpuTables
        {
            Path = Upload(accelerator, geometry),
            In1Dim = plan.In1Dim, In2Dim = plan.In2Dim, OutDim = plan.OutDim, WeightNumel = plan.WeightNumel,
        };
        (t.ByKI, t.ByKJ, t.ByKK, t.ByKV, t.KOff, t.KBegin, t.KEnd) = Grouped(accelerator, paths, c => c.D3, (c, n) => c.K[n]);
        (t.ByII, t.ByIJ, t.ByIK, t.ByIV, t.IOff, t.IBegin, t.IEnd) = Grouped(accelerator, paths, c => c.D1, (c, n) => c.I[n]);
        (t.ByJI, t.ByJJ, t.ByJK, t.ByJV, t.JOff, t.JBegin, t.JEnd) = Grouped(accelerator, paths, c => c.D2, (c, n) => c.J[n]);
        (t.OutBlockOf, t.OutPathBegin, t.OutPaths) = BlockPaths(accelerator, tp.IrrepsOut, tp.Instructions.Select(i => i.Out).ToArray());
        (t.In1BlockOf, t.In1PathBegin, t.In1Paths) = BlockPaths(accelerator, tp.IrrepsIn1, tp.Instructions.Select(i => i.In1).ToArray());
        (t.In2BlockOf, t.In2PathBegin, t.In2Paths) = BlockPaths(accelerator, tp.IrrepsIn2, tp.Instructions.Select(i => i.In2).ToArray());
        var weightPath = new int[Math.Max(1, plan.WeightNumel)];
        for (int p = 0; p < paths.Length; p++)
            for (int q = 0; q < paths[p].M * paths[p].MulOut; q++) weightPath[paths[p].WeightOffset + q] = p;
        t.WeightPath = Upload(accelerator, weightPath);
        Tables = t;
    }

    private ArrayView<T> Upload<T>(Accelerator accelerator, T[] data) where T : unmanaged
    {
        var buffer = accelerator.Allocate1D(data.Length == 0 ? new T[1] : data);
        _owned.Add(buffer);
        return buffer.View;
    }

    private (ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>) Grouped(
        Accelerator accelerator, CompiledPath[] paths, Func<CompiledPath, int> groups, Func<CompiledPath, int, int> key)
    {
        var ii = new List<int>(); var jj = new List<int>(); var kk = new List<int>(); var vv = new List<float>();
        var off = new int[paths.Length + 1];
        var begin = new List<int>(); var end = new List<int>();
        for (int p = 0; p < paths.Length; p++)
        {
            var c = paths[p];
            int g = groups(c);
            off[p + 1] = off[p] + g;
            var order = Enumerable.Range(0, c.Nnz).OrderBy(n => key(c, n)).ThenBy(n => n).ToArray();
            int cursor = 0;
            for (int gi = 0; gi < g; gi++)
            {
                begin.Add(ii.Count);
                while (cursor < order.Length && key(c, order[cursor]) == gi)
                {
                    int n = order[cursor++];
                    ii.Add(c.I[n]); jj.Add(c.J[n]); kk.Add(c.K[n]); vv.Add((float)c.Value[n]);
                }
                end.Add(ii.Count);
            }
        }
        return (Upload(accelerator, ii.ToArray()), Upload(accelerator, jj.ToArray()), Upload(accelerator, kk.ToArray()), Upload(accelerator, vv.ToArray()),
            Upload(accelerator, off), Upload(accelerator, begin.ToArray()), Upload(accelerator, end.ToArray()));
    }

    private (ArrayView<int>, ArrayView<int>, ArrayView<int>) BlockPaths(Accelerator accelerator, Irreps irreps, int[] blockOfPath)
    {
        var blockOf = new int[Math.Max(1, irreps.Dim)];
        for (int b = 0; b < irreps.Count; b++)
        {
            var (start, len) = irreps.Slice(b);
            for (int e = 0; e < len; e++) blockOf[start + e] = b;
        }
        var begin = new int[irreps.Count + 1];
        var list = new List<int>();
        for (int b = 0; b < irreps.Count; b++)
        {
            begin[b] = list.Count;
            for (int p = 0; p < blockOfPath.Length; p++) if (blockOfPath[p] == b) list.Add(p);
        }
        begin[irreps.Count] = list.Count;
        return (Upload(accelerator, blockOf), Upload(accelerator, begin), Upload(accelerator, list.ToArray()));
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
    }
}
