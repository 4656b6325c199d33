namespace EquiGrid.Kernels.Tests;

/// <summary>The ILGPU kernels (on ILGPU's CPU accelerator here) agree with the SIMD CPU path.</summary>
public sealed class SphericalHarmonicsIlgpuTests : IDisposable
{
    private readonly KernelAccelerator _accelerator = KernelAccelerator.CreateCpu();

    public void Dispose() => _accelerator.Dispose();

    [Theory]
    [InlineData("0,1,2", true)]
    [InlineData("0,3,4,5,6", true)]
    [InlineData("0,1,2,10", false)]
    public void ForwardAndBackwardMatchTheCpuPathInFloat64(string orders, bool normalizeInput)
    {
        var set = LSet.Parse(orders);
        var sh = new IlgpuSphericalHarmonics(_accelerator);
        var rng = new Random(orders.Length);
        const int n = 257;
        var xyz = ShTestData.RandomVectors(rng, n);
        xyz[3] = xyz[4] = xyz[5] = 0;
        var gradOut = Enumerable.Range(0, n * set.Dim).Select(_ => RandomRotations.Gauss(rng)).ToArray();
        foreach (var normalization in Enum.GetValues<ShNormalization>())
        {
            var cpu = new double[n * set.Dim];
            var gpu = new double[n * set.Dim];
            SphericalHarmonics.Forward(set, xyz, cpu, normalization, normalizeInput);
            sh.Forward(set, xyz, gpu, normalization, normalizeInput);
            for (int i = 0; i < cpu.Length; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) < 1e-11 * (1 + Math.Abs(cpu[i])), $"forward {i}: {cpu[i]} vs {gpu[i]}");
            var gCpu = new double[3 * n];
            var gGpu = new double[3 * n];
            SphericalHarmonics.Backward(set, xyz, gradOut, gCpu, normalization, normalizeInput);
            sh.Backward(set, xyz, gradOut, gGpu, normalization, normalizeInput);
            for (int i = 0; i < gCpu.Length; i++) Assert.True(Math.Abs(gCpu[i] - gGpu[i]) < 1e-10 * (1 + Math.Abs(gCpu[i])), $"backward {i}: {gCpu[i]} vs {gGpu[i]}");
        }
    }

    [Fact]
    public void Float32MatchesTheCpuPath()
    {
        var set = LSet.Of(0, 1, 2, 7, 10);
        var sh = new IlgpuSphericalHarmonics(_accelerator);
        var rng = new Random(12);
        const int n = 500;
        var xyz = ShTestData.RandomVectors(rng, n).Select(v => (float)v).ToArray();
        var gradOut = Enumerable.Range(0, n * set.Dim).Select(_ => (float)RandomRotations.Gauss(rng)).ToArray();
        var cpu = new float[n * set.Dim];
        var gpu = new float[n * set.Dim];
        SphericalHarmonics.Forward(set, xyz, cpu);
        sh.Forward(set, xyz, gpu);
        for (int i = 0; i < cpu.Length; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) < 1e-4, $"forward {i}");
        var gCpu = new float[3 * n];
        var gGpu = new float[3 * n];
        SphericalHarmonics.Backward(set, xyz, gradOut, gCpu);
        sh.Backward(set, xyz, gradOut, gGpu);
        for (int i = 0; i < gCpu.Length; i++) Assert.True(Math.Abs(gCpu[i] - gGpu[i]) < 2e-3 * (1 + Math.Abs(gCpu[i])), $"backward {i}");
    }

    [Fact]
    public void BadLengthsAreRejectedBeforeTouchingTheDevice()
    {
        var sh = new IlgpuSphericalHarmonics(_accelerator);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => sh.Forward(LSet.Of(1), new float[6], new float[5])).ParamName);
        Assert.Equal("gradXyz", Assert.Throws<ArgumentException>(() => sh.Backward(LSet.Of(1), new double[6], new double[6], new double[5])).ParamName);
        Assert.False(_accelerator.IsCuda);
    }
}
