using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Training.Gpu.Kernels;

/// <summary>Shape and scaling of one product C = alpha op(A) op(B) + beta C (row-major, op = optional transpose).</summary>
internal struct GemmShape
{
    /// <summary>Rows of C, columns of C, inner dimension.</summary>
    public int M, N, K;
    /// <summary>Non-zero: A is stored [K, M] (read transposed); B is stored [N, K].</summary>
    public int TransA, TransB;
    /// <summary>Edge length of the square tile one thread group computes (at most <see cref="TiledGemm.MaxTile"/>).</summary>
    public int Tile;
    /// <summary>C = Alpha * op(A) op(B) + Beta * C; Beta = 0 never reads C.</summary>
    public float Alpha, Beta;
}

/// <summary>
/// Dense float32 matrix products as a shared-memory tiled kernel: each thread group loads one tile of op(A) and one of
/// op(B) per step of the inner dimension into shared memory and every thread accumulates one element of C. Each
/// element is one thread's sequential sum, so results are deterministic (no atomics, no split-K). The tile edge adapts
/// to the accelerator's group size (16 on a GPU, smaller on ILGPU's CPU accelerator).
/// </summary>
internal sealed class TiledGemm
{
    /// <summary>Largest tile edge; shared memory is sized for it.</summary>
    public const int MaxTile = 16;

    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> _kernel;
    private readonly int _tile;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tile">
    /// Tile edge; by default 16 on a GPU and 1 on ILGPU's CPU accelerator, which runs every thread of a group as an
    /// OS thread meeting at each barrier (slow on a loaded machine, and no faster for bigger tiles there).
    /// </param>
    public TiledGemm(Accelerator accelerator, int? tile = null)
    {
        _kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(Kernel);
        int t = tile ?? (accelerator.AcceleratorType == AcceleratorType.CPU ? 1 : MaxTile);
        while (t > 1 && t * t > accelerator.MaxNumThreadsPerGroup) t /= 2;
        if (t < 1 || t > MaxTile) throw new ArgumentOutOfRangeException(nameof(tile), t, $"the tile edge must be in 1..{MaxTile}");
        _tile = t;
    }

    /// <summary>The tile edge in use.</summary>
    public int Tile => _tile;

    /// <summary>C[M,N] = alpha op(A) op(B) + beta C; A is [M,K] (or [K,M] when <paramref name="transA"/>), B is [K,N] (or [N,K]).</summary>
    public void Run(int m, int n, int k, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c, float alpha, float beta = 0f)
    {
        if (m == 0 || n == 0) return;
        var shape = new GemmShape { M = m, N = n, K = k, TransA = transA ? 1 : 0, TransB = transB ? 1 : 0, Tile = _tile, Alpha = alpha, Beta = beta };
        var grid = new Index2D((n + _tile - 1) / _tile, (m + _tile - 1) / _tile);
        _kernel(new KernelConfig(grid, new Index2D(_tile, _tile)), a, b, c, shape);
    }

    private static void Kernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape s)
    {
        var tileA = SharedMemory.Allocate1D<float>(MaxTile * MaxTile);
        var tileB = SharedMemory.Allocate1D<float>(MaxTile * MaxTile);
        int t = s.Tile, tx = Group.IdxX, ty = Group.IdxY;
        int row = Grid.IdxY * t + ty, col = Grid.IdxX * t + tx;
        float sum = 0f;
        for (int k0 = 0; k0 < s.K; k0 += t)
        {
            int ka = k0 + tx, kb = k0 + ty;
            float va = 0f, vb = 0f;
            if (row < s.M && ka < s.K) va = s.TransA != 0 ? a[(long)ka * s.M + row] : a[(long)row * s.K + ka];
            if (col < s.N && kb < s.K) vb = s.TransB != 0 ? b[(long)col * s.K + kb] : b[(long)kb * s.N + col];
            tileA[ty * MaxTile + tx] = va;
            tileB[ty * MaxTile + tx] = vb;
            Group.Barrier();
            for (int k = 0; k < t; k++) sum += tileA[ty * MaxTile + k] * tileB[k * MaxTile + tx];
            Group.Barrier();
        }
        if (row < s.M && col < s.N)
        {
            long o = (long)row * s.N + col;
            c[o] = s.Beta == 0f ? s.Alpha * sum : s.Alpha * sum + s.Beta * c[o];
        }
    }
}
