using EquiGrid.Kernels;

namespace EquiGrid.Kernels.Tests;

public class Wigner3jTests
{
    private static int Idx(int i, int j, int k, int d2, int d3) => (i * d2 + j) * d3 + k;

    [Fact]
    public void MatchesE3nnFixture()
    {
        int checkedEntries = 0;
        foreach (var entry in E3nnFixtures.Load("wigner3j_l_le_2.json").GetProperty("entries").EnumerateArray())
        {
            int l1 = entry.GetProperty("l1").GetInt32(), l2 = entry.GetProperty("l2").GetInt32(), l3 = entry.GetProperty("l3").GetInt32();
            var c = Wigner3j.Get(l1, l2, l3);
            int d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
            int i = 0;
            foreach (var a in entry.GetProperty("C").EnumerateArray())
            {
                int j = 0;
                foreach (var b in a.EnumerateArray())
                {
                    int k = 0;
                    foreach (var v in b.EnumerateArray())
                    {
                        double expected = v.GetDouble();
                        Assert.True(Math.Abs(c[Idx(i, j, k, d2, d3)] - expected) < 1e-13,
                            $"({l1},{l2},{l3})[{i},{j},{k}]: {c[Idx(i, j, k, d2, d3)]} vs e3nn {expected}");
                        k++;
                    }
                    Assert.Equal(d3, k);
                    j++;
                }
                Assert.Equal(d2, j);
                i++;
            }
            Assert.Equal(2 * l1 + 1, i);
            checkedEntries++;
        }
        Assert.True(checkedEntries >= 15, $"fixture has only {checkedEntries} entries");
    }

    public static IEnumerable<object[]> AllowedTriples(int maxL, int stride)
    {
        int n = 0;
        for (int l1 = 0; l1 <= maxL; l1++)
            for (int l2 = 0; l2 <= maxL; l2++)
                for (int l3 = Math.Abs(l1 - l2); l3 <= Math.Min(l1 + l2, maxL); l3++)
                    if (n++ % stride == 0) yield return new object[] { l1, l2, l3 };
    }

    public static IEnumerable<object[]> SampledTriplesUpTo10() => AllowedTriples(10, 7);

    [Theory]
    [MemberData(nameof(SampledTriplesUpTo10))]
    public void HasUnitNormAndOrthogonalColumns(int l1, int l2, int l3)
    {
        var c = Wigner3j.Get(l1, l2, l3);
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        // e3nn normalises the whole tensor to Frobenius norm 1; Schur's lemma then makes the (m1,m2)-columns
        // orthogonal with equal norms: sum_{m1,m2} C[m1,m2,k] C[m1,m2,k'] = delta_kk' / (2 l3 + 1).
        for (int k = 0; k < d3; k++)
            for (int kp = 0; kp < d3; kp++)
            {
                double s = 0;
                for (int i = 0; i < d1; i++)
                    for (int j = 0; j < d2; j++)
                        s += c[Idx(i, j, k, d2, d3)] * c[Idx(i, j, kp, d2, d3)];
                double expected = k == kp ? 1.0 / d3 : 0.0;
                Assert.True(Math.Abs(s - expected) < 1e-13, $"({l1},{l2},{l3}) k={k} k'={kp}: {s} vs {expected}");
            }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(5, 6)]
    [InlineData(10, 10)]
    [InlineData(10, 4)]
    public void IsCompleteOverAllOutputOrders(int l1, int l2)
    {
        // Coupling is a change of basis: sum_{l3,k} (2l3+1) C[i,j,k] C[i',j',k] = delta_ii' delta_jj'. This also
        // checks that different l3 are mutually orthogonal and that l=10 keeps full double accuracy.
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1;
        var gram = new double[d1 * d2, d1 * d2];
        for (int l3 = Math.Abs(l1 - l2); l3 <= l1 + l2; l3++)
        {
            var c = Wigner3j.Get(l1, l2, l3);
            int d3 = 2 * l3 + 1;
            for (int a = 0; a < d1 * d2; a++)
                for (int b = 0; b < d1 * d2; b++)
                {
                    double s = 0;
                    for (int k = 0; k < d3; k++) s += c[a * d3 + k] * c[b * d3 + k];
                    gram[a, b] += d3 * s;
                }
        }
        for (int a = 0; a < d1 * d2; a++)
            for (int b = 0; b < d1 * d2; b++)
                Assert.True(Math.Abs(gram[a, b] - (a == b ? 1.0 : 0.0)) < 1e-12, $"({l1},{l2}) gram[{a},{b}] = {gram[a, b]}");
    }

    [Theory]
    [MemberData(nameof(SampledTriplesUpTo10))]
    public void ObeysTheRealBasisMSelectionRule(int l1, int l2, int l3)
    {
        // Real harmonics are cos(m phi) (m >= 0) or sin(|m| phi) (m < 0) around the quantisation axis, so a product
        // couples only to |m3| = |m1| + |m2| or ||m1| - |m2||; e3nn's (-i)^l phases make the number of sine
        // factors even when l1 + l2 + l3 is even and odd when it is odd.
        var c = Wigner3j.Get(l1, l2, l3);
        int d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        int nonZero = 0;
        for (int m1 = -l1; m1 <= l1; m1++)
            for (int m2 = -l2; m2 <= l2; m2++)
                for (int m3 = -l3; m3 <= l3; m3++)
                {
                    double v = c[Idx(l1 + m1, l2 + m2, l3 + m3, d2, d3)];
                    int a1 = Math.Abs(m1), a2 = Math.Abs(m2), a3 = Math.Abs(m3);
                    int sines = (m1 < 0 ? 1 : 0) + (m2 < 0 ? 1 : 0) + (m3 < 0 ? 1 : 0);
                    bool allowed = (a3 == a1 + a2 || a3 == Math.Abs(a1 - a2)) && sines % 2 == (l1 + l2 + l3) % 2;
                    if (!allowed) Assert.True(Math.Abs(v) < 1e-15, $"({l1},{l2},{l3}) m=({m1},{m2},{m3}) should vanish, is {v}");
                    if (Math.Abs(v) > 1e-15) nonZero++;
                }
        Assert.True(nonZero > 0);
    }

    [Theory]
    [MemberData(nameof(SampledTriplesUpTo10))]
    public void SwappingTheInputsGivesTheParitySign(int l1, int l2, int l3)
    {
        var c12 = Wigner3j.Get(l1, l2, l3);
        var c21 = Wigner3j.Get(l2, l1, l3);
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        double sign = (l1 + l2 + l3) % 2 == 0 ? 1 : -1;
        for (int i = 0; i < d1; i++)
            for (int j = 0; j < d2; j++)
                for (int k = 0; k < d3; k++)
                    Assert.True(Math.Abs(c12[Idx(i, j, k, d2, d3)] - sign * c21[Idx(j, i, k, d1, d3)]) < 1e-14);
    }

    [Theory]
    [MemberData(nameof(SampledTriplesUpTo10))]
    public void IsInvariantUnderRotationOfAllThreeIndices(int l1, int l2, int l3)
    {
        // sum_{a,b,c} D1[i,a] D2[j,b] D3[k,c] C[a,b,c] = C[i,j,k] with the real Wigner D matrices of the SH basis:
        // the property that makes tensor products equivariant.
        var rng = new Random(l1 * 441 + l2 * 21 + l3);
        var rotation = RandomRotations.Next(rng);
        var c = Wigner3j.Get(l1, l2, l3);
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        var dm1 = WignerD.FromRotation(l1, rotation);
        var dm2 = WignerD.FromRotation(l2, rotation);
        var dm3 = WignerD.FromRotation(l3, rotation);
        var t1 = new double[c.Length];
        var t2 = new double[c.Length];
        var t3 = new double[c.Length];
        for (int i = 0; i < d1; i++) for (int j = 0; j < d2; j++) for (int k = 0; k < d3; k++)
        {
            double s = 0;
            for (int a = 0; a < d1; a++) s += dm1[i, a] * c[Idx(a, j, k, d2, d3)];
            t1[Idx(i, j, k, d2, d3)] = s;
        }
        for (int i = 0; i < d1; i++) for (int j = 0; j < d2; j++) for (int k = 0; k < d3; k++)
        {
            double s = 0;
            for (int b = 0; b < d2; b++) s += dm2[j, b] * t1[Idx(i, b, k, d2, d3)];
            t2[Idx(i, j, k, d2, d3)] = s;
        }
        for (int i = 0; i < d1; i++) for (int j = 0; j < d2; j++) for (int k = 0; k < d3; k++)
        {
            double s = 0;
            for (int cc = 0; cc < d3; cc++) s += dm3[k, cc] * t2[Idx(i, j, cc, d2, d3)];
            t3[Idx(i, j, k, d2, d3)] = s;
        }
        double err = 0;
        for (int t = 0; t < c.Length; t++) err = Math.Max(err, Math.Abs(t3[t] - c[t]));
        Assert.True(err < 1e-11, $"({l1},{l2},{l3}): max |D C - C| = {err:E2}");
    }

    [Theory]
    [InlineData(1, 1, 3, "triangle")]
    [InlineData(0, 2, 1, "triangle")]
    [InlineData(5, 1, 3, "triangle")]
    [InlineData(-1, 1, 1, "l1")]
    [InlineData(1, 21, 20, "l2")]
    public void RejectsInvalidTriples(int l1, int l2, int l3, string mentioned)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Wigner3j.Get(l1, l2, l3));
        Assert.Contains(mentioned, e.Message);
        Assert.False(Wigner3j.IsAllowed(l1, l2, l3));
    }

    [Fact]
    public void CachedValuesAreCopiesAndThreadSafe()
    {
        var results = new double[8][];
        Parallel.For(0, results.Length, t => results[t] = Wigner3j.Get(7, 9, 6));
        for (int t = 1; t < results.Length; t++) Assert.Equal(results[0], results[t]);
        results[0][0] = 42;
        Assert.NotEqual(42, Wigner3j.Get(7, 9, 6)[0]);
    }
}
