using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Synthetic;

/// <summary>
/// Synthetic embedding sets with a known answer: the l-blocks listed in <c>encoding</c> are smooth functions of a
/// per-molecule property (used as NSPS), every other block is isotropic noise. Tests check that the structure score
/// finds exactly the encoding blocks; the report demo uses it to show the pipeline without a trained model.
/// </summary>
public static class SyntheticEmbeddings
{
    /// <summary>Creates n molecules for an L-set with multiplicity h; <paramref name="encoding"/> lists the orders that encode NSPS.</summary>
    public static EmbeddingSet Create(int n, LSet lset, int h, IReadOnlyCollection<int> encoding, int seed, double noise = 0.05)
    {
        var rng = new Random(seed);
        var irreps = Irreps.Hidden(lset, h);
        var nsps = Enumerable.Range(0, n).Select(_ => 2 + 30 * rng.NextDouble()).ToArray();
        var x = new RowMatrix(n, irreps.Dim);
        for (int b = 0; b < irreps.Count; b++)
        {
            var (start, length) = irreps.Slice(b);
            bool enc = encoding.Contains(irreps[b].Irrep.L);
            // Each column of an encoding block is a random smooth function of the normalised property.
            var freq = Enumerable.Range(0, length).Select(_ => 0.5 + 2 * rng.NextDouble()).ToArray();
            var phase = Enumerable.Range(0, length).Select(_ => 2 * Math.PI * rng.NextDouble()).ToArray();
            for (int i = 0; i < n; i++)
            {
                double z = (nsps[i] - 2) / 30;
                for (int c = 0; c < length; c++)
                    x[i, start + c] = enc
                        ? Math.Sin(freq[c] * 3 * z + phase[c]) + noise * SyntheticData.Gaussian(rng)
                        : SyntheticData.Gaussian(rng);
            }
        }
        return new EmbeddingSet
        {
            Matrix = x,
            Irreps = irreps,
            Ids = Enumerable.Range(0, n).Select(i => (i + 1).ToString()).ToArray(),
            Smiles = Enumerable.Range(0, n).Select(i => new string('C', 1 + i % 9)).ToArray(),
            Targets = nsps.Select(v => -76 + 0.5 * v + SyntheticData.Gaussian(rng)).ToArray(),
            Predictions = nsps.Select(v => -76 + 0.5 * v).ToArray(),
            Nsps = nsps,
        };
    }
}
