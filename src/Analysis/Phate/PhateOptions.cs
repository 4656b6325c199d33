namespace EquiGrid.Analysis.Phate;

/// <summary>
/// PHATE parameters (Moon et al. 2019). Defaults are PHATE 1.0.11's: knn 5, decay 40, automatic t (t_max 100),
/// 2000 landmarks, PCA to 100 components for wider inputs, 100 spectral components for landmark selection, metric
/// MDS. The reference study's script changes only knn (10) and the seed (21516): see <see cref="ReferenceStudy"/>.
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
    /// <summary>
    /// Inputs with more columns than this are reduced to this many principal components before the k-NN graph
    /// (PHATE's <c>n_pca</c>); null keeps every column.
    /// </summary>
    public int? Pca { get; init; } = 100;

    /// <summary>
    /// The settings of the reference study's <c>generate_phate_embeddings.py</c> (IntelLabs/EquiTriton):
    /// <c>PHATE(knn=10, random_state=21516)</c> with every other parameter at PHATE's default, applied to each
    /// irrep block and to the joint embedding as they are (no standardisation).
    /// </summary>
    public static PhateOptions ReferenceStudy { get; } = new() { Knn = 10, Seed = 21516 };

    /// <summary>One line naming every setting, for reports.</summary>
    public string Describe() =>
        $"knn {Knn}, decay {Decay}, t {(T is { } t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"auto (von Neumann entropy knee, t_max {TMax})")}, " +
        $"landmarks {Landmarks}, PCA to {(Pca is { } p ? $"{p} components when wider" : "off")}, log potential, metric MDS, seed {Seed}";

    /// <summary>Throws with a message naming the bad option.</summary>
    public void Validate()
    {
        if (Knn < 1) throw new ArgumentException($"--knn must be >= 1, got {Knn}");
        if (!(Decay > 0)) throw new ArgumentException($"--decay must be > 0, got {Decay}");
        if (T is < 1) throw new ArgumentException($"--t must be >= 1 or 'auto', got {T}");
        if (TMax < 4) throw new ArgumentException($"t-max must be >= 4, got {TMax}");
        if (Landmarks < 10) throw new ArgumentException($"landmarks must be >= 10, got {Landmarks}");
        if (SpectralComponents < 2) throw new ArgumentException($"spectral components must be >= 2, got {SpectralComponents}");
        if (Pca is < 1) throw new ArgumentException($"PCA components must be >= 1 (or off), got {Pca}");
        if (SearchMultiplier < 1) throw new ArgumentException($"search multiplier must be >= 1, got {SearchMultiplier}");
    }
}
