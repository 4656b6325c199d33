namespace EquiGrid.Chemistry;

/// <summary>
/// Completes a parsed molecule the way RDKit's sanitisation does, in its order: nitrogen clean-up, implicit
/// hydrogens, rings, kekulisation, explicit valences, radicals, aromaticity, then conjugation and hybridisation.
/// The order matters: aromaticity needs the kekulised valences, hybridisation needs aromaticity.
/// </summary>
public static class MoleculePerception
{
    /// <summary>
    /// Perceives <paramref name="mol"/> in place and returns its rings. Chemically impossible input (a valence above
    /// the element's maximum, an aromatic system that cannot be kekulised) throws <see cref="FormatException"/>
    /// naming the atom.
    /// </summary>
    public static RingInfo Perceive(Molecule mol)
    {
        ArgumentNullException.ThrowIfNull(mol);
        Valence.CleanUpNitrogen(mol);
        Valence.AssignImplicitHydrogens(mol);
        var rings = RingInfo.Perceive(mol);
        Valence.Kekulise(mol);
        Valence.CacheExplicitValences(mol);
        Valence.AssignRadicals(mol);
        Aromaticity.Perceive(mol, rings);
        HybridisationPerception.Perceive(mol);
        return rings;
    }
}
