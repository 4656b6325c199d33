namespace EquiGrid.Training.Tests.Data;

/// <summary>Hand-written QM9 records in both layouts (values from the release's gdb 1 and gdb 3).</summary>
internal static class Qm9TestRecords
{
    /// <summary>Methane exactly as the original release lays it out: Mulliken charges, frequencies, SMILES, InChI.</summary>
    public const string MethaneOriginal =
        "5\n" +
        "gdb 1\t157.7118\t157.70997\t157.70699\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.3641\t0.044749\t-40.47893\t-40.476062\t-40.475117\t-40.498597\t6.469\t\n" +
        "C\t-0.0126981359\t 1.0858041578\t 0.0080009958\t-0.535689\n" +
        "H\t 0.002150416\t-0.0060313176\t 0.0019761204\t 0.133921\n" +
        "H\t 1.0117308433\t 1.4637511618\t 0.0002765748\t 0.133922\n" +
        "H\t-0.540815069\t 1.4475266138\t-0.8766437152\t 0.133923\n" +
        "H\t-0.5238136345\t 1.4379326443\t 0.9063972942\t 1.2*^-6\n" +
        "1341.307\t1341.3284\t1341.365\t1562.6731\t1562.7453\t3038.3205\t3151.6034\t3151.6788\t3151.7078\n" +
        "C\tC\t\n" +
        "InChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4\n";

    /// <summary>Water in the compact multi-frame layout (no charges, no extra lines); one coordinate uses *^.</summary>
    public const string WaterCompact =
        "3\n" +
        "gdb 3\t799.58812\t437.90386\t282.94545\t1.8511\t6.31\t-0.2928\t0.0687\t0.3615\t19.0002\t0.021375\t-76.404702\t-76.401867\t-76.400922\t-76.422349\t6.002\t\n" +
        "O\t-0.0343604951\t0.9775395708\t7.6015923*^-3\n" +
        "H\t0.0647664923\t0.0205721989\t0.0015346341\n" +
        "H\t0.8717903737\t1.3007924048\t0.0006931336\n";

    /// <summary>Ammonia, geometry only ("gdb N" without properties).</summary>
    public const string AmmoniaGeometryOnly =
        "4\n" +
        "gdb 2\n" +
        "N\t-0.0404260543\t1.0241077531\t0.0625637998\n" +
        "H\t0.0172574639\t0.0125452063\t-0.0273771593\n" +
        "H\t0.9157893661\t1.3587451948\t-0.0287577581\n" +
        "H\t-0.5202777357\t1.3435321258\t-0.7755426124\n";
}
