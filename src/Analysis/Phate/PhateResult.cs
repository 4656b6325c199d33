using EquiGrid.Analysis.Numerics;

namespace EquiGrid.Analysis.Phate;

/// <summary>Output of one PHATE run.</summary>
/// <param name="Embedding">[n, 2] coordinates in input order.</param>
/// <param name="T">Diffusion time used (chosen or given).</param>
/// <param name="Entropy">Von Neumann entropy of P^1..P^TMax (index i is P^(i+1)); empty when t was given.</param>
/// <param name="LandmarkCount">Landmarks used (n when no landmarks were needed).</param>
/// <param name="StageSeconds">Wall time of each stage, for benchmarks.</param>
public sealed record PhateResult(RowMatrix Embedding, int T, double[] Entropy, int LandmarkCount, IReadOnlyDictionary<string, double> StageSeconds);
