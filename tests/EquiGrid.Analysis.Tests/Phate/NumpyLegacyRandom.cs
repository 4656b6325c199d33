namespace EquiGrid.Analysis.Tests.Phate;

/// <summary>
/// numpy's legacy <c>np.random</c> stream (RandomState: MT19937 seeded with an integer, 53-bit doubles from two
/// 32-bit draws, masked rejection for randint, polar Box-Muller with a cached second deviate for normal), written
/// here so that a test can rebuild PHATE's own example data (<c>phate.tree.gen_dla</c>) point for point.
/// Checked against values every numpy user has seen (seed 0: rand 0.5488135039273248, randn 1.764052345967664).
/// </summary>
internal sealed class NumpyLegacyRandom
{
    private readonly uint[] _mt = new uint[624];
    private int _index;
    private double? _gauss;

    public NumpyLegacyRandom(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < 624; i++) _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
        _index = 624;
    }

    public uint NextUInt32()
    {
        if (_index >= 624)
        {
            for (int i = 0; i < 624; i++)
            {
                uint y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % 624] & 0x7fffffffu);
                _mt[i] = _mt[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0);
            }
            _index = 0;
        }
        uint x = _mt[_index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680u;
        x ^= (x << 15) & 0xefc60000u;
        x ^= x >> 18;
        return x;
    }

    /// <summary>np.random.rand(): (a >> 5, b >> 6) combined into 53 bits.</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary>np.random.randint(high): masked rejection sampling on 32-bit draws.</summary>
    public long NextInt(long high)
    {
        ulong range = (ulong)(high - 1), mask = range;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        ulong v;
        do v = NextUInt32() & mask; while (v > range);
        return (long)v;
    }

    /// <summary>np.random.normal(0, 1): the legacy polar method, returning the cached second deviate on the next call.</summary>
    public double NextGaussian()
    {
        if (_gauss is { } cached) { _gauss = null; return cached; }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDouble() - 1.0;
            x2 = 2.0 * NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        } while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        return f * x2;
    }
}
