using ILGPU;

namespace EquiGrid.Kernels;

/// <summary>
/// The ILGPU kernels of the tensor product. One thread per element it writes (an output component, an input
/// component's gradient, or a weight's gradient) of one row, gathering everything it needs: no atomics, so results
/// are deterministic and identical in structure on CUDA and on the CPU accelerator. The index space covers
/// rows [rowOffset, rowOffset + launched / dim) so long batches can be launched in chunks below 2^31 threads.
/// </summary>
internal static class IlgpuTensorProductKernels
{
    public static void Forward(Index1D index, IlgpuTables t, ArrayView<float> x1, ArrayView<float> x2, ArrayView<float> w, ArrayView<float> output, int rowOffset)
    {
        int row = rowOffset + index / t.OutDim;
        int o = index % t.OutDim;
        int block = t.OutBlockOf[o];
        float sum = 0;
        for (int q = t.OutPathBegin[block]; q < t.OutPathBegin[block + 1]; q++)
        {
            int p = t.OutPaths[q], g = p * PathField.Stride;
            int mul1 = t.Path[g + PathField.Mul1], d1 = t.Path[g + PathField.D1], mul2 = t.Path[g + PathField.Mul2], d2 = t.Path[g + PathField.D2];
            int mulOut = t.Path[g + PathField.MulOut], d3 = t.Path[g + PathField.D3];
            int rel = o - t.Path[g + PathField.OutStart];
            int wo = rel / d3, k = rel % d3;
            long a0 = (long)row * t.In1Dim + t.Path[g + PathField.In1Start];
            long b0 = (long)row * t.In2Dim + t.Path[g + PathField.In2Start];
            long w0 = (long)row * t.WeightNumel + t.Path[g + PathField.WeightOffset] + wo;
            int kg = t.KOff[p] + k;
            for (int n = t.KBegin[kg]; n < t.KEnd[kg]; n++)
            {
                int i = t.ByKI[n], j = t.ByKJ[n];
                float c = t.ByKV[n];
                for (int u = 0; u < mul1; u++)
                {
                    float xa = c * x1[a0 + u * d1 + i];
                    for (int v = 0; v < mul2; v++)
                        sum += xa * x2[b0 + v * d2 + j] * w[w0 + (u * mul2 + v) * mulOut];
                }
            }
        }
        output[(long)row * t.OutDim + o] = sum;
    }

    public static void GradX1(Index1D index, IlgpuTables t, ArrayView<float> x2, ArrayView<float> w, ArrayView<float> gradOut, ArrayView<float> gradX1, int rowOffset)
    {
        int row = rowOffset + index / t.In1Dim;
        int e = index % t.In1Dim;
        int block = t.In1BlockOf[e];
        float sum = 0;
        for (int q = t.In1PathBegin[block]; q < t.In1PathBegin[block + 1]; q++)
        {
            int p = t.In1Paths[q], g = p * PathField.Stride;
            int d1 = t.Path[g + PathField.D1], mul2 = t.Path[g + PathField.Mul2], d2 = t.Path[g + PathField.D2];
            int mulOut = t.Path[g + PathField.MulOut], d3 = t.Path[g + PathField.D3];
            int rel = e - t.Path[g + PathField.In1Start];
            int u = rel / d1, i = rel % d1;
            long b0 = (long)row * t.In2Dim + t.Path[g + PathField.In2Start];
            long o0 = (long)row * t.OutDim + t.Path[g + PathField.OutStart];
            long w0 = (long)row * t.WeightNumel + t.Path[g + PathField.WeightOffset] + (long)u * mul2 * mulOut;
            int ig = t.IOff[p] + i;
            for (int n = t.IBegin[ig]; n < t.IEnd[ig]; n++)
            {
                int j = t.ByIJ[n], k = t.ByIK[n];
                float c = t.ByIV[n];
                for (int v = 0; v < mul2; v++)
                {
                    float wg = 0;
                    for (int wo = 0; wo < mulOut; wo++) wg += w[w0 + v * mulOut + wo] * gradOut[o0 + wo * d3 + k];
                    sum += c * x2[b0 + v * d2 + j] * wg;
                }
            }
        }
        gradX1[(long)row * t.In1Dim + e] = sum;
    }

    public static void GradX2(Index1D index, IlgpuTables t, ArrayView<float> x1, ArrayView<float> w, ArrayView<float> gradOut, ArrayView<float> gradX2, int rowOffset)
    {
        int row = rowOffset + index / t.In2Dim;
        int e = index % t.In2Dim;
        int block = t.In2BlockOf[e];
        float sum = 0;
        for (int q = t.In2PathBegin[block]; q < t.In2PathBegin[block + 1]; q++)
        {
            int p = t.In2Paths[q], g = p * PathField.Stride;
            int mul1 = t.Path[g + PathField.Mul1], d1 = t.Path[g + PathField.D1], mul2 = t.Path[g + PathField.Mul2], d2 = t.Path[g + PathField.D2];
            int mulOut = t.Path[g + PathField.MulOut], d3 = t.Path[g + PathField.D3];
            int rel = e - t.Path[g + PathField.In2Start];
            int v = rel / d2, j = rel % d2;
            long a0 = (long)row * t.In1Dim + t.Path[g + PathField.In1Start];
            long o0 = (long)row * t.OutDim + t.Path[g + PathField.OutStart];
            long w0 = (long)row * t.WeightNumel + t.Path[g + PathField.WeightOffset] + (long)v * mulOut;
            int jg = t.JOff[p] + j;
            for (int n = t.JBegin[jg]; n < t.JEnd[jg]; n++)
            {
                int i = t.ByJI[n], k = t.ByJK[n];
                float c = t.ByJV[n];
                for (int u = 0; u < mul1; u++)
                {
                    float wg = 0;
                    long wu = w0 + (long)u * mul2 * mulOut;
                    for (int wo = 0; wo < mulOut; wo++) wg += w[wu + wo] * gradOut[o0 + wo * d3 + k];
                    sum += c * x1[a0 + u * d1 + i] * wg;
                }
            }
        }
        gradX2[(long)row * t.In2Dim + e] = sum;
    }

    public static void GradWeights(Index1D index, IlgpuTables t, ArrayView<float> x1, ArrayView<float> x2, ArrayView<float> gradOut, ArrayView<float> gradW, int rowOffset)
    {
        int row = rowOffset + index / t.WeightNumel;
        int e = index % t.WeightNumel;
        int p = t.WeightPath[e], g = p * PathField.Stride;
        int d1 = t.Path[g + PathField.D1], mul2 = t.Path[g + PathField.Mul2], d2 = t.Path[g + PathField.D2];
        int mulOut = t.Path[g + PathField.MulOut], d3 = t.Path[g + PathField.D3];
        int rel = e - t.Path[g + PathField.WeightOffset];
        int wo = rel % mulOut, uv = rel / mulOut, u = uv / mul2, v = uv % mul2;
        long a0 = (long)row * t.In1Dim + t.Path[g + PathField.In1Start] + (long)u * d1;
        long b0 = (long)row * t.In2Dim + t.Path[g + PathField.In2Start] + (long)v * d2;
        long o0 = (long)row * t.OutDim + t.Path[g + PathField.OutStart] + (long)wo * d3;
        float sum = 0;
        for (int n = t.KBegin[t.KOff[p]]; n < t.KEnd[t.KOff[p] + d3 - 1]; n++)
            sum += t.ByKV[n] * x1[a0 + t.ByKI[n]] * x2[b0 + t.ByKJ[n]] * gradOut[o0 + t.ByKK[n]];
        gradW[(long)row * t.WeightNumel + e] = sum;
    }
}
