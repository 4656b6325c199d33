using System.Diagnostics.CodeAnalysis;
using EquiGrid.Chemistry;

namespace EquiGrid.Analysis.Chemistry;

/// <summary>
/// The four spacial-score terms of one heavy atom and their product.
/// </summary>
/// <param name="Index">Heavy-atom index in SMILES order (0-based).</param>
/// <param name="Element">Element symbol.</param>
/// <param name="H">Hybridisation term: sp 1, sp2 2, sp3 3, anything else 4.</param>
/// <param name="S">Stereo term: 2 for a potential tetrahedral stereocentre or an end of a specified E/Z double bond, else 1.</param>
/// <param name="R">Ring term: 1 aromatic, 2 in a non-aromatic ring, 1 in no ring.</param>
/// <param name="N">Heavy-neighbour count squared.</param>
/// <param name="Product">H * S * R * N.</param>
public sealed record NspsAtomTerms(int Index, string Element, int H, int S, int R, int N, int Product);

/// <summary>Spacial score of a molecule.</summary>
/// <param name="Nsps">Normalised spacial score: <see cref="Sps"/> divided by the heavy-atom count.</param>
/// <param name="Sps">Spacial score: the sum of the per-atom products.</param>
/// <param name="HeavyAtoms">Number of heavy (non-hydrogen) atoms.</param>
/// <param name="Atoms">Per-atom terms in SMILES order.</param>
public sealed record NspsResult(double Nsps, int Sps, int HeavyAtoms, IReadOnlyList<NspsAtomTerms> Atoms);

/// <summary>
/// Normalised spacial score (NSPS, Krzyzanowski et al., J. Med. Chem. 2023) from SMILES, with the molecule
/// perceived the way RDKit 2022.09 does for the authors' reference script: SMILES parsing with implicit
/// hydrogens, kekulisation, symmetrised SSSR rings, RDKit aromaticity, conjugation and hybridisation, and
/// potential stereocentres by RDKit's new stereo perception. See docs/nsps.md.
/// </summary>
public static class Nsps
{
    /// <summary>Scores one SMILES; throws <see cref="FormatException"/> (with the character position where it applies) on bad input.</summary>
    public static NspsResult Compute(string smiles)
    {
        ArgumentNullException.ThrowIfNull(smiles);
        var mol = SmilesParser.Parse(smiles);
        if (mol.Atoms.Count == 0) throw new FormatException($"SMILES '{smiles}' has no heavy atoms");
        try
        {
            return Score(mol);
        }
        catch (FormatException e)
        {
            throw new FormatException($"SMILES '{smiles}': {e.Message}", e);
        }
    }

    /// <summary>Scores one SMILES; returns false and an error message instead of throwing on bad input.</summary>
    public static bool TryCompute(string smiles, [NotNullWhen(true)] out NspsResult? result, [NotNullWhen(false)] out string? error)
    {
        try
        {
            result = Compute(smiles);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            result = null;
            error = e.Message;
            return false;
        }
    }

    private static NspsResult Score(Molecule mol)
    {
        var rings = MoleculePerception.Perceive(mol);
        StereoPerception.CleanupChirality(mol);

        var cipLike = SymmetryClasses.Constitutional(mol);
        var specifiedBonds = StereoPerception.FindSpecifiedDoubleBonds(mol, rings, cipLike);
        var centres = StereoPerception.FindTetrahedralCentres(mol, rings, specifiedBonds, cipLike);
        var onStereoBond = new bool[mol.Atoms.Count];
        for (int b = 0; b < mol.Bonds.Count; b++)
        {
            if (!specifiedBonds[b]) continue;
            onStereoBond[mol.Bonds[b].Begin] = true;
            onStereoBond[mol.Bonds[b].End] = true;
        }

        var terms = new List<NspsAtomTerms>(mol.Atoms.Count);
        int sps = 0;
        foreach (var atom in mol.Atoms)
        {
            int h = atom.Hybridisation switch { Hybridisation.SP => 1, Hybridisation.SP2 => 2, Hybridisation.SP3 => 3, _ => 4 };
            int s = centres[atom.Index] || onStereoBond[atom.Index] ? 2 : 1;
            int r = atom.IsAromatic ? 1 : rings.IsAtomInRing(atom.Index) ? 2 : 1;
            int n = atom.Degree * atom.Degree;
            int product = h * s * r * n;
            sps += product;
            terms.Add(new NspsAtomTerms(atom.Index, atom.Symbol, h, s, r, n, product));
        }
        return new NspsResult((double)sps / mol.Atoms.Count, sps, mol.Atoms.Count, terms);
    }
}
