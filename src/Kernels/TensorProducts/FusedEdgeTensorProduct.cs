using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EquiGrid.Kernels;

/// <summary>
/// One message-passing step of the study's interaction block in a single CPU kernel, float32:
/// <c>out[n] = sum over edges e into n of TP(x[src e], y[e]; s * h[e] W)</c>, where the per-edge tensor-product
/// weights are the radial network's last layer, <c>s * h[e] W</c> (h = hidden radial features [edges, depth],
/// W = the layer's matrix [depth, WeightNumel], s = its scale).
/// </summary>
/// <remarks>
/// Why fused: materialised, the per-edge weights are an [edges x WeightNumel] tensor (55 MB for one batch of 32 QM9
/// molecules at L = [0,1,2], h = 32) written and read several times per step, and memory, not arithmetic, set the
/// step time. Here they only exist for a tile of <see cref="TileEdges"/> edges and one path at a time (a few hundred
/// KB, in cache), generated just before the tensor product consumes them and generated again in the backward pass
/// (recomputing costs less than storing). The gather x[src] and the sum into the target node happen in the kernel.
/// <para>Determinism: edges are processed grouped by target node (stable), so each node's message sum runs in edge
/// order; chunks of edges are cut at node boundaries and their number depends only on the edge count; the weight
/// matrix gradient is summed per chunk and the chunk sums are added in chunk order; the node gradient is summed per
/// source node in edge order. Results are therefore bit-identical for any thread count.</para>
/// <para>Instances keep their scratch buffers between calls (no allocations per step once warm) and serialise
/// calls: use one instance per block.</para>
/// </remarks>
public sealed unsafe class FusedEdgeTensorProduct
{
    /// <summary>Edges per tile: the per-edge weights of one tile and one path stay in the core's L2 cache.</summary>
    public const int TileEdges = 32;

    private const int MaxChunks = 4;
    private const int EdgesPerChunk = 256;

    private readonly TensorProductPlan _plan;
    private readonly CpuTensorProductKernel<float>.PathData[] _paths;
    private readonly int _maxCoupling, _maxPathWeights;
    private readonly int _ld1, _ld2, _ldo; // padded per-edge strides of the transposed scratch rows
    private readonly object _gate = new();
    // The generated per-path code when the whole plan has it (see GeneratedPathFloatKernel), read per call so that
    // CpuKernelSwitches.GeneratedPaths can switch it off; null: the table kernel's per-edge steps.
    private readonly GeneratedPathFloatKernel? _generated;
    private GeneratedPathFloatKernel? Generated => CpuKernelSwitches.GeneratedPaths ? _generated : null;
    private readonly Scratch?[] _scratch = new Scratch?[MaxChunks];
    private AlignedBuffer? _edgeGrad;

    /// <summary>Creates the kernel for <paramref name="tensorProduct"/> with weights generated from <paramref name="depth"/> radial features.</summary>
    public FusedEdgeTensorProduct(TensorProduct tensorProduct, int depth)
    {
        ArgumentNullException.ThrowIfNull(tensorProduct);
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "the radial feature depth must be >= 1");
        TensorProduct = tensorProduct;
        Depth = depth;
        _plan = tensorProduct.Plan;
        var cpu = tensorProduct.CpuFloat;
        _paths = cpu.Paths;
        _maxCoupling = cpu.MaxCoupling;
        _maxPathWeights = _plan.Paths.Length == 0 ? 0 : _plan.Paths.Max(p => p.M * p.MulOut);
        _generated = GeneratedPathFloatKernel.TryCreate(_plan);
        int pad = 16;
        _ld1 = _plan.In1Dim + pad;
        _ld2 = _plan.In2Dim + pad;
        _ldo = _plan.OutDim + pad;
    }

    /// <summary>The tensor product applied on every edge.</summary>
    public TensorProduct TensorProduct { get; }

    /// <summary>Number of radial features per edge (rows of the weight-generating matrix).</summary>
    public int Depth { get; }

    /// <summary>Worker threads (default: every core). Results do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Forward pass. <paramref name="nodes"/> [NodeCount, in1.Dim], <paramref name="edgeAttributes"/> [edges, in2.Dim]
    /// (the spherical harmonics), <paramref name="features"/> [edges, Depth], <paramref name="weightMatrix"/>
    /// [Depth, WeightNumel]; writes <paramref name="output"/> [NodeCount, out.Dim] (overwritten; nodes without
    /// incoming edges get zeros).
    /// </summary>
    public void Forward(ReadOnlySpan<float> nodes, ReadOnlySpan<float> edgeAttributes, ReadOnlySpan<float> features,
        ReadOnlySpan<float> weightMatrix, float weightScale, EdgeIndex edges, Span<float> output)
    {
        Check(nodes, edgeAttributes, features, weightMatrix, edges);
        CheckLength(output.Length, (long)edges.NodeCount * _plan.OutDim, nameof(output), $"[nodes = {edges.NodeCount}, out dim = {_plan.OutDim}]");
        output.Clear();
        if (edges.EdgeCount == 0) return;
        lock (_gate)
        {
            fixed (float* px = nodes, py = edgeAttributes, ph = features, pw = weightMatrix, po = output)
            {
                var a = new Args { X = px, Y = py, H = ph, W = pw, Out = po, Scale = weightScale, Edges = edges };
                var bounds = ChunkBounds(edges);
                Run(bounds.Length - 1, c => ForwardChunk(a, c, bounds[c], bounds[c + 1]));
            }
        }
    }

    /// <summary>
    /// Backward pass: given dL/d(output) [NodeCount, out.Dim], writes (overwriting) dL/dnodes, dL/dedgeAttributes,
    /// dL/dfeatures and dL/dweightMatrix, each shaped like its input. The per-edge weights are generated again.
    /// </summary>
    public void Backward(ReadOnlySpan<float> nodes, ReadOnlySpan<float> edgeAttributes, ReadOnlySpan<float> features,
        ReadOnlySpan<float> weightMatrix, float weightScale, EdgeIndex edges, ReadOnlySpan<float> gradOutput,
        Span<float> gradNodes, Span<float> gradEdgeAttributes, Span<float> gradFeatures, Span<float> gradWeightMatrix)
    {
        Check(nodes, edgeAttributes, features, weightMatrix, edges);
        CheckLength(gradOutput.Length, (long)edges.NodeCount * _plan.OutDim, nameof(gradOutput), $"[nodes = {edges.NodeCount}, out dim = {_plan.OutDim}]");
        CheckLength(gradNodes.Length, nodes.Length, nameof(gradNodes), "the shape of nodes");
        CheckLength(gradEdgeAttributes.Length, edgeAttributes.Length, nameof(gradEdgeAttributes), "the shape of edgeAttributes");
        CheckLength(gradFeatures.Length, features.Length, nameof(gradFeatures), "the shape of features");
        CheckLength(gradWeightMatrix.Length, weightMatrix.Length, nameof(gradWeightMatrix), "the shape of weightMatrix");
        gradNodes.Clear();
        gradEdgeAttributes.Clear();
        gradFeatures.Clear();
        gradWeightMatrix.Clear();
        int edgeCount = edges.EdgeCount;
        if (edgeCount == 0) return;
        lock (_gate)
        {
            var edgeGrad = AlignedBuffer.Ensure(ref _edgeGrad, (long)edgeCount * _plan.In1Dim);
            fixed (float* px = nodes, py = edgeAttributes, ph = features, pw = weightMatrix, pg = gradOutput,
                   pgx = gradNodes, pgy = gradEdgeAttributes, pgh = gradFeatures, pgw = gradWeightMatrix)
            {
                var a = new Args
                {
                    X = px, Y = py, H = ph, W = pw, Scale = weightScale, Edges = edges, GradOut = pg,
                    GradEdgeX = edgeGrad.Pointer, GradY = pgy, GradH = pgh,
                };
                var bounds = ChunkBounds(edges);
                int chunks = bounds.Length - 1;
                Run(chunks, c => BackwardChunk(a, c, bounds[c], bounds[c + 1]));
                long clock = FusedEdgeProfile.Start();

                // The weight-matrix gradient: chunk partial sums added in chunk order, split over columns.
                long total = (long)Depth * _plan.WeightNumel;
                float* gw = pgw;
                var scratch = _scratch;
                int slices = Math.Max(1, Math.Min(MaxDegreeOfParallelism, 8));
                Run(slices, s =>
                {
                    long from = total * s / slices, to = total * (s + 1) / slices;
                    var dst = new Span<float>(gw + from, (int)(to - from));
                    new ReadOnlySpan<float>(scratch[0]!.WeightGrad!.Pointer + from, dst.Length).CopyTo(dst);
                    for (int c = 1; c < chunks; c++) Add(dst, new ReadOnlySpan<float>(scratch[c]!.WeightGrad!.Pointer + from, dst.Length));
                });

                // The node gradient: each node sums the gradients of its outgoing edges in edge order.
                int in1 = _plan.In1Dim, nodeCount = edges.NodeCount;
                float* gex = edgeGrad.Pointer, gx = pgx;
                Run(slices, s =>
                {
                    int n0 = (int)((long)nodeCount * s / slices), n1 = (int)((long)nodeCount * (s + 1) / slices);
                    for (int n = n0; n < n1; n++)
                    {
                        var dst = new Span<float>(gx + (long)n * in1, in1);
                        for (int k = edges.SourceStart[n]; k < edges.SourceStart[n + 1]; k++)
                            Add(dst, new ReadOnlySpan<float>(gex + (long)edges.BySource[k] * in1, in1));
                    }
                });
                FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.GradientSums, clock);
            }
        }
    }

    // ------------------------------------------------------------------ chunks

    private struct Args
    {
        public float* X, Y, H, W, Out, GradOut, GradEdgeX, GradY, GradH;
        public float Scale;
        public EdgeIndex Edges;
    }

    // Chunk boundaries in the target-grouped edge order, moved forward to node boundaries; their number depends only
    // on the edge count, so the chunk partial sums (and the results) do not depend on the thread count.
    private static int[] ChunkBounds(EdgeIndex edges)
    {
        int e = edges.EdgeCount;
        int chunks = Math.Clamp(e / EdgesPerChunk, 1, MaxChunks);
        var bounds = new List<int> { 0 };
        int node = 0;
        for (int c = 1; c < chunks; c++)
        {
            int want = (int)((long)e * c / chunks);
            while (node < edges.NodeCount && edges.TargetStart[node] < want) node++;
            int at = edges.TargetStart[node];
            if (at > bounds[^1] && at < e) bounds.Add(at);
        }
        bounds.Add(e);
        return bounds.ToArray();
    }

    private void Run(int count, Action<int> body)
    {
        int threads = Math.Max(1, Math.Min(MaxDegreeOfParallelism, Environment.ProcessorCount));
        if (count == 1 || threads == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    // Loads one tile's per-edge inputs into channel-minor scratch rows (see CpuTensorProductKernel): the scaled radial
    // features, x[src] and the edge attributes (unless the generated code, which reads them in place, runs); in
    // backward also dL/dout[dst].
    private void LoadTile(in Args a, Scratch s, int[] order, int first, int rows, bool backward, bool inputs)
    {
        int depth = Depth;
        var edges = a.Edges;
        for (int r = 0; r < rows; r++)
        {
            int e = order[first + r];
            float* h = a.H + (long)e * depth, hs = s.Features.Pointer + r * depth;
            for (int d = 0; d < depth; d++) hs[d] = h[d] * a.Scale;
            if (inputs)
            {
                CpuTensorProductKernel<float>.ToChannelMinor(a.X + (long)edges.Source[e] * _plan.In1Dim, s.X1.Pointer + r * _ld1, _plan.In1Blocks);
                CpuTensorProductKernel<float>.ToChannelMinor(a.Y + (long)e * _plan.In2Dim, s.X2.Pointer + r * _ld2, _plan.In2Blocks);
            }
            if (backward)
                CpuTensorProductKernel<float>.ToChannelMinor(a.GradOut + (long)edges.Target[e] * _plan.OutDim, s.Out.Pointer + r * _ldo, _plan.OutBlocks);
        }
    }

    private void ForwardChunk(in Args a, int chunk, int start, int end)
    {
        var s = _scratch[chunk] ??= new Scratch(this, withWeightGrad: false);
        int[] order = a.Edges.ByTarget;
        int depth = Depth, numel = _plan.WeightNumel, outDim = _plan.OutDim;
        float* wp = s.Weights.Pointer, cpl = s.Coupling.Pointer, row = s.Row.Pointer;
        var generated = Generated;
        for (int first = start; first < end; first += TileEdges)
        {
            int rows = Math.Min(TileEdges, end - first);
            long clock = FusedEdgeProfile.Start();
            LoadTile(a, s, order, first, rows, backward: false, inputs: generated is null);
            new Span<float>(s.Out.Pointer, rows * _ldo).Clear();
            clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.Gather, clock);
            for (int n = 0; n < _paths.Length; n++)
            {
                var pd = _paths[n];
                var p = pd.Path;
                int np = p.M * p.MulOut;
                if (np == 0 || p.Nnz == 0) continue;
                TileGemm.Generate(s.Features.Pointer, rows, depth, a.W + p.WeightOffset, numel, wp, np);
                clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.WeightGeneration, clock);
                if (generated?.ByPath[n] is { } c)
                {
                    // The generated code reads x[src] and Y in their own layout and writes the channel-minor tile row.
                    for (int r = 0; r < rows; r++)
                    {
                        int e = order[first + r];
                        c.Forward(a.X + (long)a.Edges.Source[e] * _plan.In1Dim + c.In1Start, a.Y + (long)e * _plan.In2Dim + c.In2Start,
                            wp + r * np, s.Out.Pointer + r * _ldo + c.OutStart, c.Mul1, c.MulOut, c.Alpha);
                    }
                }
                else
                    for (int r = 0; r < rows; r++)
                    {
                        CpuTensorProductKernel<float>.Couple(pd, s.X1.Pointer + r * _ld1, s.X2.Pointer + r * _ld2, cpl);
                        CpuTensorProductKernel<float>.ContractWeights(cpl, wp + r * np, s.Out.Pointer + r * _ldo + p.OutStart, p.D3, p.M, p.MulOut);
                    }
                clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.TensorProduct, clock);
            }
            // Sum into the target nodes: this chunk owns them all, and visits each node's edges in edge order.
            for (int r = 0; r < rows; r++)
            {
                CpuTensorProductKernel<float>.ToMulMajor(s.Out.Pointer + r * _ldo, row, _plan.OutBlocks);
                Add(new Span<float>(a.Out + (long)a.Edges.Target[order[first + r]] * outDim, outDim), new ReadOnlySpan<float>(row, outDim));
            }
            FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.Scatter, clock);
        }
    }

    private void BackwardChunk(in Args a, int chunk, int start, int end)
    {
        var s = _scratch[chunk];
        if (s is null || s.WeightGrad is null) s = _scratch[chunk] = new Scratch(this, withWeightGrad: true);
        int[] order = a.Edges.ByTarget;
        int depth = Depth, numel = _plan.WeightNumel;
        float* wp = s.Weights.Pointer, gwp = s.WeightGrads.Pointer, cpl = s.Coupling.Pointer, gcpl = s.GradCoupling.Pointer;
        float* partial = s.WeightGrad.Pointer, gh = s.FeatureGrad.Pointer;
        new Span<float>(partial, depth * numel).Clear();
        var generated = Generated;
        // With generated code the input gradients are 8-lane partial sums per tile row: [In1Dim][8] then [In2Dim][8].
        int laneRow = (_plan.In1Dim + _plan.In2Dim) * 8;
        float* lanes = generated is null ? null : s.Lanes(rows: TileEdges, laneRow);
        for (int first = start; first < end; first += TileEdges)
        {
            int rows = Math.Min(TileEdges, end - first);
            long clock = FusedEdgeProfile.Start();
            LoadTile(a, s, order, first, rows, backward: true, inputs: generated is null);
            if (generated is null)
            {
                new Span<float>(s.GX1.Pointer, rows * _ld1).Clear();
                new Span<float>(s.GX2.Pointer, rows * _ld2).Clear();
            }
            else
                new Span<float>(lanes, rows * laneRow).Clear();
            new Span<float>(gh, rows * depth).Clear();
            clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.GatherBackward, clock);
            for (int n = 0; n < _paths.Length; n++)
            {
                var pd = _paths[n];
                var p = pd.Path;
                int np = p.M * p.MulOut;
                if (np == 0 || p.Nnz == 0) continue; // no coupling: zero weight gradient, nothing flows back
                float* w = a.W + p.WeightOffset;
                TileGemm.Generate(s.Features.Pointer, rows, depth, w, numel, wp, np);
                clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.WeightRegeneration, clock);
                if (generated?.ByPath[n] is { } c)
                    for (int r = 0; r < rows; r++)
                    {
                        int e = order[first + r];
                        float* lr = lanes + r * laneRow;
                        c.Backward(a.X + (long)a.Edges.Source[e] * _plan.In1Dim + c.In1Start, a.Y + (long)e * _plan.In2Dim + c.In2Start,
                            wp + r * np, s.Out.Pointer + r * _ldo + c.OutStart, gwp + r * np,
                            lr + c.In1Start * 8, lr + (_plan.In1Dim + c.In2Start) * 8, c.Mul1, c.MulOut, c.Alpha);
                    }
                else
                    for (int r = 0; r < rows; r++)
                    {
                        float* x1t = s.X1.Pointer + r * _ld1, x2t = s.X2.Pointer + r * _ld2;
                        CpuTensorProductKernel<float>.Couple(pd, x1t, x2t, cpl);
                        CpuTensorProductKernel<float>.WeightGradients(cpl, wp + r * np, s.Out.Pointer + r * _ldo + p.OutStart, gwp + r * np, gcpl, p.D3, p.M, p.MulOut);
                        CpuTensorProductKernel<float>.CoupleBackward(pd, x1t, x2t, gcpl, s.GX1.Pointer + r * _ld1, s.GX2.Pointer + r * _ld2);
                    }
                clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.TensorProductBackward, clock);
                TileGemm.BackToFeatures(gwp, rows, np, w, numel, gh, depth);
                clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.FeatureGradient, clock);
                TileGemm.AccumulateOuter(s.Features.Pointer, rows, depth, gwp, np, partial + p.WeightOffset, numel);
                clock = FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.WeightMatrixGradient, clock);
            }
            for (int r = 0; r < rows; r++)
            {
                int e = order[first + r];
                if (generated is null)
                {
                    CpuTensorProductKernel<float>.ToMulMajor(s.GX1.Pointer + r * _ld1, a.GradEdgeX + (long)e * _plan.In1Dim, _plan.In1Blocks);
                    CpuTensorProductKernel<float>.ToMulMajor(s.GX2.Pointer + r * _ld2, a.GradY + (long)e * _plan.In2Dim, _plan.In2Blocks);
                }
                else
                {
                    float* lr = lanes + r * laneRow;
                    SingleCopyFloatKernel.SumLanes(lr, a.GradEdgeX + (long)e * _plan.In1Dim, _plan.In1Dim);
                    SingleCopyFloatKernel.SumLanes(lr + _plan.In1Dim * 8, a.GradY + (long)e * _plan.In2Dim, _plan.In2Dim);
                }
                float* ghr = gh + r * depth, dst = a.GradH + (long)e * depth;
                for (int d = 0; d < depth; d++) dst[d] = ghr[d] * a.Scale;
            }
            FusedEdgeProfile.Lap(FusedEdgeProfile.Operation.GradientSums, clock);
        }
    }

    /// <summary>One chunk's scratch: a tile's transposed rows, one path's weights and their gradient, and (backward) the chunk's partial weight-matrix gradient.</summary>
    private sealed class Scratch
    {
        public readonly AlignedBuffer Features, X1, X2, Out, GX1, GX2, Weights, WeightGrads, Coupling, GradCoupling, Row, FeatureGrad;
        public readonly AlignedBuffer? WeightGrad;
        private AlignedBuffer? _lanes;

        /// <summary>The generated backward's 8-lane input-gradient rows (allocated on first use, then kept).</summary>
        public float* Lanes(int rows, int rowLength) => AlignedBuffer.Ensure(ref _lanes, (long)rows * rowLength).Pointer;

        public Scratch(FusedEdgeTensorProduct k, bool withWeightGrad)
        {
            const int pad = 16;
            Features = new(TileEdges * k.Depth);
            FeatureGrad = new(TileEdges * k.Depth);
            X1 = new(TileEdges * k._ld1);
            X2 = new(TileEdges * k._ld2);
            Out = new(TileEdges * k._ldo);
            GX1 = new(TileEdges * k._ld1);
            GX2 = new(TileEdges * k._ld2);
            Weights = new((long)TileEdges * k._maxPathWeights + pad);
            WeightGrads = new((long)TileEdges * k._maxPathWeights + pad);
            Coupling = new(k._maxCoupling + pad);
            GradCoupling = new(k._maxCoupling + pad);
            Row = new(Math.Max(k._plan.OutDim, Math.Max(k._plan.In1Dim, k._plan.In2Dim)) + pad);
            if (withWeightGrad) WeightGrad = new((long)k.Depth * k._plan.WeightNumel + pad);
        }
    }

    /// <summary>A pinned float array with a 64-byte-aligned start (full AVX-512 cache lines).</summary>
    private sealed class AlignedBuffer
    {
        private readonly float[] _array;

        public AlignedBuffer(long length)
        {
            Length = length;
            _array = GC.AllocateArray<float>((int)(length + 16), pinned: true);
            nint at = (nint)Unsafe.AsPointer(ref _array[0]);
            Pointer = (float*)((at + 63) & ~(nint)63);
        }

        public long Length { get; }
        public float* Pointer { get; }

        public static AlignedBuffer Ensure(ref AlignedBuffer? buffer, long length)
        {
            if (buffer is null || buffer.Length < length) buffer = new AlignedBuffer(Math.Max(length, (buffer?.Length ?? 0) * 3 / 2));
            return buffer;
        }
    }

    // ------------------------------------------------------------------ checks and helpers

    private void Check(ReadOnlySpan<float> nodes, ReadOnlySpan<float> edgeAttributes, ReadOnlySpan<float> features, ReadOnlySpan<float> weightMatrix, EdgeIndex edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        CheckLength(nodes.Length, (long)edges.NodeCount * _plan.In1Dim, nameof(nodes), $"[nodes = {edges.NodeCount}, in1 dim = {_plan.In1Dim}]");
        CheckLength(edgeAttributes.Length, (long)edges.EdgeCount * _plan.In2Dim, nameof(edgeAttributes), $"[edges = {edges.EdgeCount}, in2 dim = {_plan.In2Dim}]");
        CheckLength(features.Length, (long)edges.EdgeCount * Depth, nameof(features), $"[edges = {edges.EdgeCount}, depth = {Depth}]");
        CheckLength(weightMatrix.Length, (long)Depth * _plan.WeightNumel, nameof(weightMatrix), $"[depth = {Depth}, weights = {_plan.WeightNumel}]");
    }

    private static void CheckLength(long length, long expected, string name, string shape)
    {
        if (length != expected) throw new ArgumentException($"{name} has {length} values but {shape} needs {expected}", name);
    }

    private static void Add(Span<float> dst, ReadOnlySpan<float> src)
    {
        int i = 0, vc = System.Numerics.Vector<float>.Count;
        var d = MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(dst);
        var s = MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(src);
        for (; i < d.Length; i++) d[i] += s[i];
        for (i *= vc; i < dst.Length; i++) dst[i] += src[i];
    }
}
