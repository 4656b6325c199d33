namespace EquiGrid.Training.Data;

/// <summary>
/// A loaded QM9 set: molecules sorted by gdb id (so the seeded split picks the same molecules whatever form the
/// input came in), plus where they came from and their statistics.
/// </summary>
public sealed class Qm9Dataset
{
    /// <summary>File name of the subset shipped in the repository (data/qm9-subset/).</summary>
    public const string ShippedSubsetFileName = "qm9_subset_2000.xyz.gz";

    /// <summary>Creates a dataset from molecules (sorted here by gdb id).</summary>
    public Qm9Dataset(IEnumerable<Molecule> molecules, string source)
    {
        Molecules = molecules.OrderBy(m => m.GdbId).ToList();
        Source = source;
        for (int i = 1; i < Molecules.Count; i++)
            if (Molecules[i].GdbId == Molecules[i - 1].GdbId)
                throw new InvalidDataException($"{source}: gdb {Molecules[i].GdbId} appears more than once");
    }

    /// <summary>Molecules in ascending gdb id order.</summary>
    public IReadOnlyList<Molecule> Molecules { get; }

    /// <summary>Where the molecules were read from.</summary>
    public string Source { get; }

    /// <summary>Number of molecules.</summary>
    public int Count => Molecules.Count;

    /// <summary>Loads a file, directory or tarball (see <see cref="Qm9Reader"/>).</summary>
    public static Qm9Dataset Load(string path, Qm9ReadOptions? options = null) => new(Qm9Reader.Read(path, options), path);

    /// <summary>
    /// Path of the shipped subset next to the running application (it is copied into the output directory of every
    /// project that references EquiGrid.Training), so no ../shared folder or download is needed.
    /// </summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "qm9-subset", ShippedSubsetFileName);

    /// <summary>Loads the shipped subset of about 2,000 molecules with U0 and SMILES.</summary>
    public static Qm9Dataset LoadDefault()
    {
        var path = DefaultPath;
        if (!File.Exists(path))
            throw new FileNotFoundException($"shipped QM9 subset missing at '{path}' (it is copied from data/qm9-subset by the build): rebuild, or pass --data PATH", path);
        return Load(path);
    }

    /// <summary>Count, element counts and atomization-energy statistics of the molecules.</summary>
    public Qm9Statistics Statistics() => Qm9Statistics.Of(Molecules);
}

/// <summary>Summary of a set of molecules.</summary>
/// <param name="Count">Molecules.</param>
/// <param name="WithU0">Molecules that carry a U0 value.</param>
/// <param name="WithSmiles">Molecules that carry a SMILES.</param>
/// <param name="Atoms">Total atoms.</param>
/// <param name="MaxAtoms">Largest molecule (atoms).</param>
/// <param name="ElementCounts">Atoms per element symbol.</param>
/// <param name="MinGdbId">Smallest gdb id.</param>
/// <param name="MaxGdbId">Largest gdb id.</param>
/// <param name="MeanAtomizationEv">Mean U0 atomization energy (eV) over molecules with U0; NaN when none.</param>
/// <param name="StdAtomizationEv">Population standard deviation of it (eV).</param>
public sealed record Qm9Statistics(int Count, int WithU0, int WithSmiles, long Atoms, int MaxAtoms, IReadOnlyDictionary<string, long> ElementCounts,
    int MinGdbId, int MaxGdbId, double MeanAtomizationEv, double StdAtomizationEv)
{
    /// <summary>Computes the statistics (energies summed in double, two-pass for the variance).</summary>
    public static Qm9Statistics Of(IReadOnlyList<Molecule> molecules)
    {
        var elements = new SortedDictionary<int, long>();
        long atoms = 0;
        int maxAtoms = 0, withSmiles = 0;
        var energies = new List<double>(molecules.Count);
        foreach (var m in molecules)
        {
            atoms += m.AtomCount;
            maxAtoms = Math.Max(maxAtoms, m.AtomCount);
            foreach (var z in m.AtomicNumbers) elements[z] = elements.GetValueOrDefault(z) + 1;
            if (!double.IsNaN(m.U0Hartree)) energies.Add(m.AtomizationEnergyEv);
            if (m.Smiles != null) withSmiles++;
        }
        double mean = energies.Count > 0 ? energies.Average() : double.NaN;
        double std = energies.Count > 0 ? Math.Sqrt(energies.Sum(e => (e - mean) * (e - mean)) / energies.Count) : double.NaN;
        var bySymbol = elements.ToDictionary(kv => Elements.Symbol(kv.Key), kv => kv.Value);
        return new Qm9Statistics(molecules.Count, energies.Count, withSmiles, atoms, maxAtoms, bySymbol,
            molecules.Count > 0 ? molecules.Min(m => m.GdbId) : 0, molecules.Count > 0 ? molecules.Max(m => m.GdbId) : 0, mean, std);
    }
}
