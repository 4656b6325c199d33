using System.Collections.Concurrent;
using System.Numerics;

namespace EquiGrid.Kernels;

/// <summary>
/// Real Wigner 3j symbols exactly as e3nn 0.5.1's <c>o3.wigner_3j(l1, l2, l3)</c>: the SU(2) Clebsch-Gordan tensor
/// (Racah formula, exact rationals) moved to e3nn's real basis (components m = -l..l, the (-i)^l phase included)
/// and scaled to Frobenius norm 1. With that basis the tensor is invariant under D(R) x D(R) x D(R), which is what
/// makes the tensor products equivariant. Results are cached per triple; the cache is thread-safe.
/// </summary>
public static class Wigner3j
{
    /// <summary>Largest order accepted for any of l1, l2, l3 (products of two order-10 irreps reach 20).</summary>
    public const int MaxL = 2 * Irrep.MaxL;

    private static readonly ConcurrentDictionary<(int, int, int), Lazy<double[]>> Cache = new();

    /// <summary>
    /// The 3j tensor of shape [(2l1+1), (2l2+1), (2l3+1)], flattened row-major (index (i*(2l2+1) + j)*(2l3+1) + k).
    /// Returns a fresh copy (callers may modify it).
    /// </summary>
    /// <exception cref="ArgumentException">An order is negative or above <see cref="MaxL"/>, or the triple violates
    /// the triangle rule |l1 - l2| &lt;= l3 &lt;= l1 + l2.</exception>
    public static double[] Get(int l1, int l2, int l3) => (double[])GetShared(l1, l2, l3).Clone();

    /// <summary>True when (l1, l2, l3) satisfies the triangle rule and the orders are in range.</summary>
    public static bool IsAllowed(int l1, int l2, int l3) =>
        l1 >= 0 && l2 >= 0 && l3 >= 0 && l1 <= MaxL && l2 <= MaxL && l3 <= MaxL && Math.Abs(l1 - l2) <= l3 && l3 <= l1 + l2;

    /// <summary>The cached tensor itself, for kernels that only read it.</summary>
    internal static double[] GetShared(int l1, int l2, int l3)
    {
        Validate(l1, l2, l3);
        return Cache.GetOrAdd((l1, l2, l3), key => new Lazy<double[]>(() => Compute(key.Item1, key.Item2, key.Item3))).Value;
    }

    private static void Validate(int l1, int l2, int l3)
    {
        CheckOrder(l1, nameof(l1));
        CheckOrder(l2, nameof(l2));
        CheckOrder(l3, nameof(l3));
        if (l3 < Math.Abs(l1 - l2) || l3 > l1 + l2)
            throw new ArgumentException(
                $"Wigner 3j ({l1},{l2},{l3}) violates the triangle rule |l1 - l2| <= l3 <= l1 + l2 " +
                $"({Math.Abs(l1 - l2)} <= {l3} <= {l1 + l2} is false): pick l3 in {Math.Abs(l1 - l2)}..{l1 + l2}");
    }

    private static void CheckOrder(int l, string name)
    {
        if (l < 0 || l > MaxL)
            throw new ArgumentException($"Wigner 3j order {name}={l} is out of range: orders are 0..{MaxL}", name);
    }

    private static double[] Compute(int l1, int l2, int l3)
    {
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;

        // SU(2) coefficients indexed by complex m's (only m3 = m1 + m2 is non-zero).
        var su2 = new double[d1, d2, d3];
        for (int m1 = -l1; m1 <= l1; m1++)
            for (int m2 = -l2; m2 <= l2; m2++)
            {
                int m3 = m1 + m2;
                if (Math.Abs(m3) <= l3) su2[l1 + m1, l2 + m2, l3 + m3] = ClebschGordanSu2.Coefficient(l1, m1, l2, m2, l3, m3);
            }

        // C[j,l,m] = sum_{i,k,n} Q1[i,j] Q2[k,l] conj(Q3[n,m]) su2[i,k,n]  (e3nn: einsum "ij,kl,mn,ikn->jlm" with conj(Q3.T)).
        var q1 = RealBasis.RealToComplex(l1);
        var q2 = RealBasis.RealToComplex(l2);
        var q3 = RealBasis.RealToComplex(l3);
        var result = new double[d1 * d2 * d3];
        Span<int> b1 = stackalloc int[2], b2 = stackalloc int[2], b3 = stackalloc int[2];
        double maxImag = 0, norm2 = 0;
        for (int a = 0; a < d1; a++)
        {
            var rows1 = RealBasis.RowsOfColumn(l1, a, b1);
            for (int b = 0; b < d2; b++)
            {
                var rows2 = RealBasis.RowsOfColumn(l2, b, b2);
                for (int c = 0; c < d3; c++)
                {
                    var rows3 = RealBasis.RowsOfColumn(l3, c, b3);
                    Complex sum = Complex.Zero;
                    foreach (int i in rows1)
                        foreach (int k in rows2)
                            foreach (int n in rows3)
                            {
                                double cg = su2[i, k, n];
                                if (cg != 0) sum += q1[i, a] * q2[k, b] * Complex.Conjugate(q3[n, c]) * cg;
                            }
                    maxImag = Math.Max(maxImag, Math.Abs(sum.Imaginary));
                    result[(a * d2 + b) * d3 + c] = sum.Real;
                    norm2 += sum.Real * sum.Real;
                }
            }
        }
        // The (-i)^l phases make the tensor real; a residue here would mean the basis is wrong, not rounding.
        if (maxImag > 1e-9)
            throw new InvalidOperationException($"Wigner 3j ({l1},{l2},{l3}) has an imaginary residue {maxImag:E2} in the real basis");
        double inv = 1.0 / Math.Sqrt(norm2);
        for (int t = 0; t < result.Length; t++) result[t] *= inv;
        return result;
    }
}
