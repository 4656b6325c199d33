using EquiGrid.Training.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Training.Gpu.Tests;

/// <summary>The tiled GEMM against a plain triple loop, for every transpose combination, ragged edges and accumulation.</summary>
[Collection(AcceleratorCollection.Name)]
public class TiledGemmTests(AcceleratorFixture fixture)
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatchesTheNaiveProductWithRaggedTiles(bool transA, bool transB)
    {
        var acc = fixture.Accelerator.Accelerator;
        // Tile 4 (16 threads per group) even on the CPU accelerator, so the shared-memory tiling itself is tested;
        // sizes are not multiples of 4, so the partial tiles at every edge are exercised too.
        var gemm = new TiledGemm(acc, tile: Math.Min(4, (int)Math.Sqrt(acc.MaxNumThreadsPerGroup)));
        Assert.True(gemm.Tile > 1, "the test must run a tile larger than one thread");
        const int m = 7, n = 10, k = 9;
        var rng = new Random(5);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] c0 = Enumerable.Range(0, m * n).Select(_ => (float)rng.NextDouble()).ToArray();
        float A(int i, int j) => transA ? a[j * m + i] : a[i * k + j];
        float B(int i, int j) => transB ? b[j * k + i] : b[i * n + j];
        using var da = acc.Allocate1D(a);
        using var db = acc.Allocate1D(b);
        using var dc = acc.Allocate1D(c0);
        gemm.Run(m, n, k, da.View, transA, db.View, transB, dc.View, alpha: 0.5f, beta: 2f);
        acc.Synchronize();
        var c = dc.GetAsArray1D();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = 2.0 * c0[i * n + j];
                for (int q = 0; q < k; q++) expected += 0.5 * A(i, q) * B(q, j);
                Assert.Equal(expected, c[i * n + j], 1e-5);
            }
    }
}
