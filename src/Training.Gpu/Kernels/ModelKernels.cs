using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Training.Gpu.Kernels;

/// <summary>Per-step scalars of the AdamW update (computed on the host in double, as TorchSharp's AdamW does).</summary>
internal struct AdamWScalars
{
    public float Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Eps, Decay, SqrtBiasCorrection2, NegStepSize;
}

/// <summary>
/// The element-wise, gather and segment kernels of the model, one thread per element written. Every sum over a
/// variable-size set (edges into an atom, atoms of a molecule or an element type) is a gather over a CSR list built
/// with the batch, summed sequentially by one thread: no atomics, so every step is deterministic on any accelerator.
/// </summary>
internal static class ModelKernels
{
    /// <summary>x[a, c] = table[z[a], c].</summary>
    public static void EmbeddingGather(Index1D i, ArrayView<float> table, ArrayView<int> z, ArrayView<float> x, int dim)
    {
        int a = i / dim, c = i % dim;
        x[i] = table[(long)z[a] * dim + c];
    }

    /// <summary>gradTable[t, c] = sum over the atoms of element t of gradX[a, c] (atoms grouped by element).</summary>
    public static void EmbeddingGrad(Index1D i, ArrayView<float> gradX, ArrayView<int> typeOffsets, ArrayView<int> typeAtoms, ArrayView<float> gradTable, int dim)
    {
        int t = i / dim, c = i % dim;
        float sum = 0f;
        for (int q = typeOffsets[t]; q < typeOffsets[t + 1]; q++) sum += gradX[(long)typeAtoms[q] * dim + c];
        gradTable[i] = sum;
    }

    /// <summary>r[e] = pos[src[e]] - pos[dst[e]].</summary>
    public static void EdgeVectors(Index1D e, ArrayView<float> pos, ArrayView<int> src, ArrayView<int> dst, ArrayView<float> vectors)
    {
        int s = src[e], d = dst[e];
        for (int k = 0; k < 3; k++) vectors[3L * e + k] = pos[3L * s + k] - pos[3L * d + k];
    }

    /// <summary>
    /// Bessel basis sqrt(2/c) sin(k pi d / c) / d on 0 &lt; d &lt; c, times sqrt(n) (the same operation order as the
    /// TorchSharp model's BesselBasis).
    /// </summary>
    public static void Bessel(Index1D i, ArrayView<float> vectors, ArrayView<float> radial, int n, float cutoff, float prefactor, float sqrtN)
    {
        int e = i / n, k = i % n + 1;
        float x = vectors[3L * e], y = vectors[3L * e + 1], z = vectors[3L * e + 2];
        float d = MathF.Sqrt(x * x + y * y + z * z);
        float frequency = k * (float)Math.PI;
        radial[i] = d > 0f && d < cutoff ? MathF.Sin(frequency * d / cutoff) / d * prefactor * sqrtN : 0f;
    }

    /// <summary>act = silu(h) * scale.</summary>
    public static void Silu(Index1D i, ArrayView<float> h, ArrayView<float> act, float scale)
    {
        float z = h[i];
        act[i] = z / (1f + MathF.Exp(-z)) * scale;
    }

    /// <summary>gradH = gradAct * scale * silu'(h), silu'(z) = s(z) (1 + z (1 - s(z))).</summary>
    public static void SiluBackward(Index1D i, ArrayView<float> h, ArrayView<float> gradAct, ArrayView<float> gradH, float scale)
    {
        float z = h[i];
        float s = 1f / (1f + MathF.Exp(-z));
        gradH[i] = gradAct[i] * scale * (s * (1f + z * (1f - s)));
    }

    /// <summary>output[r, c] = source[index[r], c] / divisor.</summary>
    public static void GatherRows(Index1D i, ArrayView<float> source, ArrayView<int> index, ArrayView<float> output, int dim, float divisor)
    {
        int r = i / dim, c = i % dim;
        float v = source[(long)index[r] * dim + c];
        output[i] = divisor == 1f ? v : v / divisor;
    }

    /// <summary>
    /// output[a, c] = (residual[a, c] if withResidual) + (sum over rows q of segment a of rows[members[q], c]) / divisor:
    /// messages into their destination (forward) or input gradients into their source atom (backward).
    /// </summary>
    public static void SegmentSum(Index1D i, ArrayView<float> rows, ArrayView<int> offsets, ArrayView<int> members, ArrayView<float> residual,
        ArrayView<float> output, int dim, float divisor, int withResidual)
    {
        int a = i / dim, c = i % dim;
        float sum = 0f;
        for (int q = offsets[a]; q < offsets[a + 1]; q++) sum += rows[(long)members[q] * dim + c];
        float v = divisor == 1f ? sum : sum / divisor;
        output[i] = withResidual != 0 ? residual[i] + v : v;
    }

    /// <summary>perAtom[a] = (sum over the h scalar channels of x[a, c] r[c]) / sqrt(h).</summary>
    public static void ReadoutAtoms(Index1D index, ArrayView<float> x, ArrayView<float> readout, ArrayView<float> perAtom, int dim, int hidden, float sqrtHidden)
    {
        int a = index;
        float sum = 0f;
        for (int c = 0; c < hidden; c++) sum += x[(long)a * dim + c] * readout[c];
        perAtom[a] = sum / sqrtHidden;
    }

    /// <summary>perMolecule[m] = sum of its atoms; prediction[m] = perMolecule[m] * w + b (the final Linear(1,1)).</summary>
    public static void MoleculeSum(Index1D index, ArrayView<float> perAtom, ArrayView<int> moleculeOffsets, ArrayView<float> perMolecule,
        ArrayView<float> prediction, ArrayView<float> finalWeight, ArrayView<float> finalBias)
    {
        int m = index;
        float sum = 0f;
        for (int a = moleculeOffsets[m]; a < moleculeOffsets[m + 1]; a++) sum += perAtom[a];
        perMolecule[m] = sum;
        prediction[m] = sum * finalWeight[0] + finalBias[0];
    }

    /// <summary>dL/dprediction of the mean squared error: 2 (p - t) / M.</summary>
    public static void MseGrad(Index1D m, ArrayView<float> prediction, ArrayView<float> targets, ArrayView<float> gradPrediction, float invCount)
    {
        gradPrediction[m] = 2f * (prediction[m] - targets[m]) * invCount;
    }

    /// <summary>Gradients of the final Linear(1,1): one thread sums over the (few) molecules of the batch.</summary>
    public static void FinalLinearGrad(Index1D i, ArrayView<float> gradPrediction, ArrayView<float> perMolecule, ArrayView<float> gradWeight, ArrayView<float> gradBias, int molecules)
    {
        float gw = 0f, gb = 0f;
        for (int m = 0; m < molecules; m++)
        {
            gw += gradPrediction[m] * perMolecule[m];
            gb += gradPrediction[m];
        }
        gradWeight[0] = gw;
        gradBias[0] = gb;
    }

    /// <summary>dL/dx of the readout: (dL/dpred[mol(a)] w) r[c] / sqrt(h) on the scalar channels, 0 elsewhere.</summary>
    public static void ReadoutInputGrad(Index1D i, ArrayView<float> gradPrediction, ArrayView<int> atomMolecule, ArrayView<float> finalWeight,
        ArrayView<float> readout, ArrayView<float> gradX, int dim, int hidden, float sqrtHidden)
    {
        int a = i / dim, c = i % dim;
        gradX[i] = c < hidden ? gradPrediction[atomMolecule[a]] * finalWeight[0] * readout[c] / sqrtHidden : 0f;
    }

    /// <summary>dL/dr[c] = sum over atoms of (dL/dpred[mol(a)] w) x[a, c] / sqrt(h).</summary>
    public static void ReadoutWeightGrad(Index1D c, ArrayView<float> gradPrediction, ArrayView<int> atomMolecule, ArrayView<float> finalWeight,
        ArrayView<float> x, ArrayView<float> gradReadout, int atoms, int dim, float sqrtHidden)
    {
        float sum = 0f;
        for (int a = 0; a < atoms; a++) sum += gradPrediction[atomMolecule[a]] * finalWeight[0] * x[(long)a * dim + c];
        gradReadout[c] = sum / sqrtHidden;
    }

    /// <summary>One AdamW step for every parameter element (TorchSharp's AdamW formula, amsgrad off).</summary>
    public static void AdamW(Index1D i, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> expAvg, ArrayView<float> expAvgSq, AdamWScalars s)
    {
        float g = gradients[i];
        float p = parameters[i] * s.Decay;
        float m = expAvg[i] * s.Beta1 + s.OneMinusBeta1 * g;
        float v = expAvgSq[i] * s.Beta2 + s.OneMinusBeta2 * g * g;
        expAvg[i] = m;
        expAvgSq[i] = v;
        float denom = MathF.Sqrt(v) / s.SqrtBiasCorrection2 + s.Eps;
        parameters[i] = p + s.NegStepSize * (m / denom);
    }
}

/// <summary>The <see cref="ModelKernels"/> compiled for one accelerator.</summary>
internal sealed class LoadedModelKernels
{
    public LoadedModelKernels(Accelerator acc)
    {
        EmbeddingGather = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(ModelKernels.EmbeddingGather);
        EmbeddingGrad = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int>(ModelKernels.EmbeddingGrad);
        EdgeVectors = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>>(ModelKernels.EdgeVectors);
        Bessel = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, float, float>(ModelKernels.Bessel);
        Silu = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ModelKernels.Silu);
        SiluBackward = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ModelKernels.SiluBackward);
        GatherRows = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, float>(ModelKernels.GatherRows);
        SegmentSum = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, int>(ModelKernels.SegmentSum);
        ReadoutAtoms = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(ModelKernels.ReadoutAtoms);
        MoleculeSum = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ModelKernels.MoleculeSum);
        MseGrad = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ModelKernels.MseGrad);
        FinalLinearGrad = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ModelKernels.FinalLinearGrad);
        ReadoutInputGrad = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(ModelKernels.ReadoutInputGrad);
        ReadoutWeightGrad = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(ModelKernels.ReadoutWeightGrad);
        AdamW = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars>(ModelKernels.AdamW);
    }

    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> EmbeddingGather { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, int> EmbeddingGrad { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>> EdgeVectors { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, float, float> Bessel { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, float> Silu { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> SiluBackward { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, float> GatherRows { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, int> SegmentSum { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> ReadoutAtoms { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> MoleculeSum { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> MseGrad { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> FinalLinearGrad { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> ReadoutInputGrad { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> ReadoutWeightGrad { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars> AdamW { get; }
}
