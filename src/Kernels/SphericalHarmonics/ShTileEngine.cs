using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EquiGrid.Kernels;

/// <summary>
/// Evaluates all orders of an L-set for one structure-of-arrays tile: x, y, z (each <see cref="ShTileEngine.TileSize"/>
/// values) to a component-major tile (component c of vector i at c * TileSize + i).
/// </summary>
internal interface IShTileEvaluator<T> where T : unmanaged
{
    void Forward(ShLayout layout, bool unit, ref T x, ref T y, ref T z, ref T tile);

    void Backward(ShLayout layout, bool unit, ref T x, ref T y, ref T z, ref T gradTile, ref T gx, ref T gy, ref T gz);
}

/// <summary>Orders of an L-set with their component offsets and per-component normalisation scales.</summary>
internal sealed class ShLayout
{
    public ShLayout(LSet lset, ShNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(lset);
        Orders = lset.Orders.ToArray();
        Offsets = new int[Orders.Length];
        Dim = 0;
        for (int i = 0; i < Orders.Length; i++)
        {
            Offsets[i] = Dim;
            Dim += 2 * Orders[i] + 1;
        }
        Scales = new double[Dim];
        for (int i = 0; i < Orders.Length; i++)
            for (int k = 0; k <= 2 * Orders[i]; k++) Scales[Offsets[i] + k] = ShNormalizationScale.Of(normalization, Orders[i]);
        IsUnitScale = normalization == ShNormalization.Component;
        FirstNonScalar = Orders[0] == 0 ? 1 : 0;
    }

    public int[] Orders { get; }
    public int[] Offsets { get; }
    public int Dim { get; }
    public double[] Scales { get; }
    public bool IsUnitScale { get; }

    /// <summary>Component index where orders l &gt;= 1 start (zeroed for zero-length input when normalising).</summary>
    public int FirstNonScalar { get; }
}

/// <summary>
/// The CPU driver shared by the direct kernels and the recursive baseline: splits the vectors into chunks run with
/// Parallel.For (each output element is written by exactly one chunk, so results do not depend on scheduling), and each
/// chunk into tiles: deinterleave and normalise with SIMD, evaluate the tile, then transpose into the row-major output.
/// </summary>
internal static class ShTileEngine
{
    public const int TileSize = 64;

    // Hot methods are marked AggressiveOptimization: fully optimised from the first call, so short runs and
    // benchmarks do not measure tier-0 code.

    // Below this many vectors the work is too small to be worth a second thread.
    private const int MinParallelVectors = 4096;

    public static unsafe void Forward<T, TEval>(ShLayout layout, ReadOnlySpan<T> xyz, Span<T> output, bool normalizeInput)
        where T : unmanaged, IFloatingPointIeee754<T> where TEval : struct, IShTileEvaluator<T>
    {
        int n = xyz.Length / 3;
        if (n == 0) return;
        fixed (T* pIn = xyz)
        fixed (T* pOut = output)
        {
            nint inAddr = (nint)pIn, outAddr = (nint)pOut;
            RunChunks(n, (start, end) => ForwardChunk<T, TEval>(layout, (T*)inAddr, (T*)outAddr, start, end, normalizeInput));
        }
    }

    public static unsafe void Backward<T, TEval>(ShLayout layout, ReadOnlySpan<T> xyz, ReadOnlySpan<T> gradOutput, Span<T> gradXyz, bool normalizeInput)
        where T : unmanaged, IFloatingPointIeee754<T> where TEval : struct, IShTileEvaluator<T>
    {
        int n = xyz.Length / 3;
        if (n == 0) return;
        fixed (T* pIn = xyz)
        fixed (T* pGradOut = gradOutput)
        fixed (T* pGradIn = gradXyz)
        {
            nint inAddr = (nint)pIn, gOutAddr = (nint)pGradOut, gInAddr = (nint)pGradIn;
            RunChunks(n, (start, end) => BackwardChunk<T, TEval>(layout, (T*)inAddr, (T*)gOutAddr, (T*)gInAddr, start, end, normalizeInput));
        }
    }

    private static void RunChunks(int n, Action<int, int> chunk)
    {
        int workers = Environment.ProcessorCount;
        if (n < MinParallelVectors || workers == 1)
        {
            chunk(0, n);
            return;
        }
        // A few chunks per core balance load; chunk bounds are tile-aligned and depend only on n and the core count.
        int chunks = Math.Min(workers * 4, (n + TileSize - 1) / TileSize);
        int per = ((n + chunks - 1) / chunks + TileSize - 1) / TileSize * TileSize;
        chunks = (n + per - 1) / per;
        Parallel.For(0, chunks, c => chunk(c * per, Math.Min(n, (c + 1) * per)));
    }

    // The AVX2 layout changes apply to float32; other types (and CPUs without AVX2) copy element by element.
    private static bool UseSimdLayout<T>() => typeof(T) == typeof(float) && SimdTranspose.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardChunk<T, TEval>(ShLayout layout, T* xyz, T* output, int start, int end, bool normalizeInput)
        where T : unmanaged, IFloatingPointIeee754<T> where TEval : struct, IShTileEvaluator<T>
    {
        const int ts = TileSize;
        int dim = layout.Dim;
        bool scaled = !layout.IsUnitScale;
        var coords = new T[3 * ts];
        var tile = new T[dim * ts];
        var norms = new T[ts];
        var scales = layout.Scales.Select(T.CreateChecked).ToArray();
        fixed (T* pCoords = coords)
        fixed (T* pTile = tile)
        fixed (T* pScales = scales)
        {
            for (int i0 = start; i0 < end; i0 += ts)
            {
                int count = Math.Min(ts, end - i0);
                LoadTile(xyz, i0, count, pCoords);
                bool anyZero = normalizeInput && NormalizeTile(ref coords[0], ref coords[ts], ref coords[2 * ts], norms);
                default(TEval).Forward(layout, normalizeInput, ref coords[0], ref coords[ts], ref coords[2 * ts], ref tile[0]);
                for (int g = 0; g < count; g += 8)
                {
                    // A SIMD group spills up to 7 floats into the next group's rows, which must exist in this chunk and be
                    // written later; otherwise (chunk end, partial group) copy element by element.
                    if (UseSimdLayout<T>() && g + 8 <= count && i0 + g + 16 <= end)
                        SimdTranspose.StoreRows((float*)(pTile + g), ts, dim, (float*)pScales, scaled, (float*)(output + (long)(i0 + g) * dim));
                    else
                        for (int k = g; k < Math.Min(g + 8, count); k++)
                        {
                            T* row = output + (long)(i0 + k) * dim;
                            for (int c = 0; c < dim; c++) row[c] = scaled ? pTile[c * ts + k] * pScales[c] : pTile[c * ts + k];
                        }
                    if (!anyZero) continue;
                    // e3nn divides by max(|r|, eps): a zero vector gives Y_0 and zeros for every l >= 1.
                    for (int k = g; k < Math.Min(g + 8, count); k++)
                        if (pCoords[k] == T.Zero && pCoords[ts + k] == T.Zero && pCoords[2 * ts + k] == T.Zero)
                        {
                            T* row = output + (long)(i0 + k) * dim;
                            for (int c = layout.FirstNonScalar; c < dim; c++) row[c] = T.Zero;
                        }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BackwardChunk<T, TEval>(ShLayout layout, T* xyz, T* gradOutput, T* gradXyz, int start, int end, bool normalizeInput)
        where T : unmanaged, IFloatingPointIeee754<T> where TEval : struct, IShTileEvaluator<T>
    {
        const int ts = TileSize;
        int dim = layout.Dim;
        bool scaled = !layout.IsUnitScale;
        var coords = new T[3 * ts];
        var grads = new T[3 * ts];
        var gradTile = new T[dim * ts];
        var norms = new T[ts];
        var scales = layout.Scales.Select(T.CreateChecked).ToArray();
        fixed (T* pCoords = coords)
        fixed (T* pGrads = grads)
        fixed (T* pTile = gradTile)
        fixed (T* pScales = scales)
        {
            for (int i0 = start; i0 < end; i0 += ts)
            {
                int count = Math.Min(ts, end - i0);
                LoadTile(xyz, i0, count, pCoords);
                if (normalizeInput) NormalizeTile(ref coords[0], ref coords[ts], ref coords[2 * ts], norms);
                for (int g = 0; g < count; g += 8)
                {
                    // SIMD reads overrun the group's last row by up to 7 floats: only when the next group exists.
                    if (UseSimdLayout<T>() && g + 8 <= count && i0 + g + 16 <= end)
                        SimdTranspose.LoadRows((float*)(gradOutput + (long)(i0 + g) * dim), dim, (float*)pScales, scaled, (float*)(pTile + g), ts);
                    else
                        for (int k = g; k < Math.Min(g + 8, count); k++)
                        {
                            T* row = gradOutput + (long)(i0 + k) * dim;
                            for (int c = 0; c < dim; c++) pTile[c * ts + k] = scaled ? row[c] * pScales[c] : row[c];
                        }
                }
                for (int k = count; k < ts; k++)
                    for (int c = 0; c < dim; c++) pTile[c * ts + k] = T.Zero;
                Array.Clear(grads);
                default(TEval).Backward(layout, normalizeInput, ref coords[0], ref coords[ts], ref coords[2 * ts], ref gradTile[0], ref grads[0], ref grads[ts], ref grads[2 * ts]);
                if (normalizeInput) ProjectTile(ref coords[0], ref coords[ts], ref coords[2 * ts], norms, ref grads[0], ref grads[ts], ref grads[2 * ts]);
                int k0 = 0;
                if (UseSimdLayout<T>())
                    for (; k0 + 8 <= count; k0 += 8)
                        SimdTranspose.Interleave3((float*)(gradXyz + 3L * (i0 + k0)),
                            Vector256.Load((float*)(pGrads + k0)), Vector256.Load((float*)(pGrads + ts + k0)), Vector256.Load((float*)(pGrads + 2 * ts + k0)));
                for (int k = k0; k < count; k++)
                {
                    T* g = gradXyz + 3L * (i0 + k);
                    g[0] = pGrads[k];
                    g[1] = pGrads[ts + k];
                    g[2] = pGrads[2 * ts + k];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void LoadTile<T>(T* xyz, int i0, int count, T* coords) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int ts = TileSize;
        T* p = xyz + 3L * i0;
        int k0 = 0;
        if (UseSimdLayout<T>())
            for (; k0 + 8 <= count; k0 += 8)
            {
                SimdTranspose.Deinterleave3((float*)(p + 3 * k0), out var x, out var y, out var z);
                x.Store((float*)(coords + k0));
                y.Store((float*)(coords + ts + k0));
                z.Store((float*)(coords + 2 * ts + k0));
            }
        for (int k = k0; k < count; k++)
        {
            coords[k] = p[3 * k];
            coords[ts + k] = p[3 * k + 1];
            coords[2 * ts + k] = p[3 * k + 2];
        }
        // Padding lanes get a harmless unit vector; their results are never copied out.
        for (int k = count; k < ts; k++)
        {
            coords[k] = T.Zero;
            coords[ts + k] = T.One;
            coords[2 * ts + k] = T.Zero;
        }
    }

    /// <summary>Replaces (x, y, z) by (x, y, z)/|r| in place (a zero vector stays zero), storing 1/|r| (0 for a zero
    /// vector); true if any vector was zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool NormalizeTile<T>(ref T x, ref T y, ref T z, T[] inverseNorms) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool anyZero = false;
        ref T inv = ref inverseNorms[0];
        for (int i = 0; i < TileSize; i += Vector<T>.Count)
        {
            var vx = Vector.LoadUnsafe(ref x, (nuint)i);
            var vy = Vector.LoadUnsafe(ref y, (nuint)i);
            var vz = Vector.LoadUnsafe(ref z, (nuint)i);
            var r2 = vx * vx + vy * vy + vz * vz;
            var positive = Vector.GreaterThan(r2, Vector<T>.Zero);
            var s = Vector.ConditionalSelect(positive, Vector<T>.One / Vector.SquareRoot(r2), Vector<T>.Zero);
            anyZero |= Vector.EqualsAny(r2, Vector<T>.Zero);
            (vx * s).StoreUnsafe(ref x, (nuint)i);
            (vy * s).StoreUnsafe(ref y, (nuint)i);
            (vz * s).StoreUnsafe(ref z, (nuint)i);
            s.StoreUnsafe(ref inv, (nuint)i);
        }
        return anyZero;
    }

    /// <summary>Chain rule through u = r/|r|: g = (s - u (u . s)) / |r|, with u already in x, y, z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProjectTile<T>(ref T x, ref T y, ref T z, T[] inverseNorms, ref T gx, ref T gy, ref T gz) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T inv = ref inverseNorms[0];
        for (int i = 0; i < TileSize; i += Vector<T>.Count)
        {
            var ux = Vector.LoadUnsafe(ref x, (nuint)i);
            var uy = Vector.LoadUnsafe(ref y, (nuint)i);
            var uz = Vector.LoadUnsafe(ref z, (nuint)i);
            var sx = Vector.LoadUnsafe(ref gx, (nuint)i);
            var sy = Vector.LoadUnsafe(ref gy, (nuint)i);
            var sz = Vector.LoadUnsafe(ref gz, (nuint)i);
            var s = Vector.LoadUnsafe(ref inv, (nuint)i);
            var dot = ux * sx + uy * sy + uz * sz;
            ((sx - ux * dot) * s).StoreUnsafe(ref gx, (nuint)i);
            ((sy - uy * dot) * s).StoreUnsafe(ref gy, (nuint)i);
            ((sz - uz * dot) * s).StoreUnsafe(ref gz, (nuint)i);
        }
    }
}
