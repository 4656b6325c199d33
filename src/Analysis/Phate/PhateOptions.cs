namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE parameters (Moon et al. 2019). Defaults are the reference study's: knn 5, decay 40, automatic t,
/// 2000 landmarks, 100 spectral components for landmark selection.
/// </summary>
public sealed record PhateOptions
{
    /// <summary>Neighbour whose distance sets each point's kernel bandwidth.</summary>
    public int Knn { get; init; } = 5;
    /// <summary>Alpha of the alpha-decay kernel exp(-(d/eps)^alpha); large values make the kernel nearly a hard k-NN cut.</summary>
    public double Decay { get; init; } = 40;
    /// <summary>Diffusion time; null chooses it at the knee of the von Neumann entropy curve.</summary>
    public int? T { get; init; }
    /// <summary>Largest t considered by the automatic choice.</summary>
    public int TMax { get; init; } = 100;
    /// <summary>Number of landmarks; PHATE runs on the full operator when n is not larger than this.</summary>
    public int Landmarks { get; init; } = 2000;
    /// <summary>Spectral components used to cluster points into landmarks.</summary>
    public int SpectralComponents { get; init; } = 100;
    /// <summary>Kernel values below this are dropped (sparsity), as PHATE's graph does.</summary>
    public double KernelThreshold { get; init; } = 1e-4;
    /// <summary>
    /// Neighbours searched per point = Knn x this. With decay 40 the kernel falls below the threshold beyond
    /// 1.06 bandwidths, so 3k neighbours cover every non-negligible kernel entry in practice.
    /// </summary>
    public int SearchMultiplier { get; init; } = 3;
    /// <summary>Maximum SMACOF iterations of the metric MDS.</summary>
    public int MdsIterations { get; init; } = 300;
    /// <summary>Seed of every random choice (landmark clustering, randomised eigensolver).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Throws with a message naming the bad option.</summary>
    public void Validate()
    {
        if (Knn < 1) throw new ArgumentOutOfRangeException(nameof(Knn), Knn, "--knn must be >= 1");
        if (!(Decay > 0)) throw new ArgumentOutOfRangeException(nameof(Decay), Decay, "--decay must be > 0");
        if (T is < 1) throw new ArgumentOutOfRangeException(nameof(T), T, "--t must be >= 1 or 'auto'");
        if (TMax < 4) throw new ArgumentOutOfRangeException(nameof(TMax), TMax, "t-max must be >= 4");
        if (Landmarks < 10) throw new ArgumentOutOfRangeException(nameof(Landmarks), Landmarks, "landmarks must be >= 10");
        if (SpectralComponents < 2) throw new ArgumentOutOfRangeException(nameof(SpectralComponents), SpectralComponents, "spectral components must be >= 2");
        if (SearchMultiplier < 1) throw new ArgumentOutOfRangeException(nameof(SearchMultiplier), SearchMultiplier, "search multiplier must be >= 1");
    }
}
