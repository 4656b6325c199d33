using ILGPU;
using ILGPU.Runtime;

namespace EquiGrid.Training.Gpu;

/// <summary>
/// Named device buffers that are kept between steps and grown only when a batch needs more room, so a training run
/// allocates device memory a few times instead of every step. A view handed out stays valid until the same name is
/// requested with a larger length.
/// </summary>
internal sealed class DeviceArena : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Dictionary<string, MemoryBuffer1D<float, Stride1D.Dense>> _floats = new();
    private readonly Dictionary<string, MemoryBuffer1D<int, Stride1D.Dense>> _ints = new();

    public DeviceArena(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>A float view of exactly <paramref name="length"/> elements (contents undefined).</summary>
    public ArrayView<float> Floats(string name, long length) => Get(_floats, name, length);

    /// <summary>An int view of exactly <paramref name="length"/> elements (contents undefined).</summary>
    public ArrayView<int> Ints(string name, long length) => Get(_ints, name, length);

    /// <summary>Copies <paramref name="data"/> into the named int buffer and returns its view.</summary>
    public ArrayView<int> Upload(string name, int[] data)
    {
        var view = Ints(name, data.Length);
        if (data.Length > 0) view.SubView(0, data.Length).CopyFromCPU(data);
        return view.SubView(0, data.Length);
    }

    /// <summary>Copies <paramref name="data"/> into the named float buffer and returns its view.</summary>
    public ArrayView<float> Upload(string name, float[] data)
    {
        var view = Floats(name, data.Length);
        if (data.Length > 0) view.SubView(0, data.Length).CopyFromCPU(data);
        return view.SubView(0, data.Length);
    }

    private ArrayView<T> Get<T>(Dictionary<string, MemoryBuffer1D<T, Stride1D.Dense>> pool, string name, long length) where T : unmanaged
    {
        if (!pool.TryGetValue(name, out var buffer) || buffer.Length < Math.Max(1, length))
        {
            buffer?.Dispose();
            // Grow by a quarter beyond the request so slowly growing batches do not reallocate every step.
            buffer = _accelerator.Allocate1D<T>(Math.Max(1, length + length / 4));
            pool[name] = buffer;
        }
        return buffer.View.SubView(0, Math.Max(1, length));
    }

    public void Dispose()
    {
        foreach (var b in _floats.Values) b.Dispose();
        foreach (var b in _ints.Values) b.Dispose();
        _floats.Clear();
        _ints.Clear();
    }
}
