using System.Numerics;

namespace EquiGrid.Kernels;

/// <summary>
/// Real Wigner D matrices in the basis of spherical harmonics (e3nn's basis): for every proper rotation
/// R and order l, Y_l(R r) = D_l(R) Y_l(r).
/// </summary>
/// <remarks>
/// Computed independently of the generated spherical-harmonic polynomials, so that an equivariance test of the
/// polynomials against these matrices is a real test: the complex Wigner D from Wigner's closed formula for the small
/// d matrix (z polar axis, ZYZ Euler angles), changed to the real basis without the Condon-Shortley phase, and
/// conjugated by the proper axis permutation (x, y, z) -> (z, x, y) that makes y the polar axis (see
/// <see cref="ShConvention"/>).
/// </remarks>
public static class WignerD
{
    /// <summary>
    /// D for e3nn's Euler angles: R = R_y(alpha) R_x(beta) R_y(gamma) (e3nn's <c>angles_to_matrix</c>), and D equal to
    /// e3nn's <c>wigner_D(l, alpha, beta, gamma)</c>.
    /// </summary>
    public static double[,] FromAngles(int l, double alpha, double beta, double gamma)
    {
        CheckOrder(l);
        return FromRotation(l, RotationFromAngles(alpha, beta, gamma));
    }

    /// <summary>e3nn's <c>angles_to_matrix</c>: R_y(alpha) R_x(beta) R_y(gamma).</summary>
    public static double[,] RotationFromAngles(double alpha, double beta, double gamma) =>
        Multiply(Multiply(RotationY(alpha), RotationX(beta)), RotationY(gamma));

    /// <summary>
    /// D for a 3x3 proper rotation matrix (orthonormal, determinant +1, checked to 1e-6). Returns a (2l+1)x(2l+1)
    /// matrix, rows and columns m = -l..l.
    /// </summary>
    public static double[,] FromRotation(int l, double[,] rotation)
    {
        CheckOrder(l);
        CheckRotation(rotation);
        // Move to the z-polar frame: s = P r with P r = (r_z, r_x, r_y); then Y(R r) = Y_std(P R P^T s).
        var axes = ShConvention.PolarFrameAxes;
        var q = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                q[i, j] = rotation[axes[i], axes[j]];
        return RealDStandard(l, q);
    }

    /// <summary>Real D for the z-polar real basis (no Condon-Shortley phase): Y_std(Q s) = D Y_std(s).</summary>
    private static double[,] RealDStandard(int l, double[,] q)
    {
        // ZYZ Euler angles of Q = Rz(a) Ry(b) Rz(c); atan2 keeps b accurate near 0 and pi.
        double b = Math.Atan2(Math.Sqrt(q[0, 2] * q[0, 2] + q[1, 2] * q[1, 2]), q[2, 2]);
        double a, c;
        if (Math.Sin(b) > 1e-12)
        {
            a = Math.Atan2(q[1, 2], q[0, 2]);
            c = Math.Atan2(q[2, 1], -q[2, 0]);
        }
        else if (q[2, 2] > 0)
        {
            a = Math.Atan2(q[1, 0], q[0, 0]); // a pure rotation about z
            c = 0;
        }
        else
        {
            a = Math.Atan2(-q[1, 0], -q[0, 0]); // Rz(a) Ry(pi)
            c = 0;
        }

        int n = 2 * l + 1;
        var d = SmallD(l, b);
        // Complex SH (with Condon-Shortley phase) satisfy Y(Q s) = conj(D(Q)) Y(s), D_{m m'} = e^{-i m a} d_{m m'}(b) e^{-i m' c}.
        var dc = new Complex[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                dc[i, j] = Complex.FromPolarCoordinates(1, (i - l) * a + (j - l) * c) * d[i, j];
        var u = RealBasisChange(l);
        var result = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                Complex s = Complex.Zero;
                for (int k = 0; k < n; k++)
                {
                    if (u[i, k] == Complex.Zero) continue;
                    for (int k2 = 0; k2 < n; k2++)
                        if (u[j, k2] != Complex.Zero) s += u[i, k] * dc[k, k2] * Complex.Conjugate(u[j, k2]);
                }
                result[i, j] = s.Real; // the imaginary part is zero up to rounding (U conj(D) U^H is real)
            }
        return result;
    }

    /// <summary>
    /// U with Y_real = U Y_complex: for m &gt; 0, Y_real(m) = ((-1)^m Y^m + Y^-m)/sqrt 2 (cos m phi), Y_real(-m) =
    /// ((-1)^m Y^m - Y^-m)/(i sqrt 2) (sin m phi), where Y^m carries the Condon-Shortley phase and Y_real does not.
    /// </summary>
    private static Complex[,] RealBasisChange(int l)
    {
        int n = 2 * l + 1;
        var u = new Complex[n, n];
        double r = 1 / Math.Sqrt(2);
        u[l, l] = 1;
        for (int m = 1; m <= l; m++)
        {
            double sign = (m & 1) == 0 ? 1 : -1;
            u[l + m, l + m] = sign * r;
            u[l + m, l - m] = r;
            u[l - m, l + m] = new Complex(0, -sign * r);
            u[l - m, l - m] = new Complex(0, r);
        }
        return u;
    }

    /// <summary>Wigner's small d^l_{m' m}(beta), closed formula (terms stay within ~1e3 of the result for l &lt;= 10).</summary>
    internal static double[,] SmallD(int l, double beta)
    {
        int n = 2 * l + 1;
        var d = new double[n, n];
        double cb = Math.Cos(beta / 2), sb = Math.Sin(beta / 2);
        for (int mp = -l; mp <= l; mp++)
            for (int m = -l; m <= l; m++)
            {
                double pre = Math.Sqrt(Factorial(l + mp) * Factorial(l - mp) * Factorial(l + m) * Factorial(l - m));
                double sum = 0;
                for (int k = Math.Max(0, m - mp); k <= Math.Min(l + m, l - mp); k++)
                {
                    double term = pre / (Factorial(l + m - k) * Factorial(k) * Factorial(mp - m + k) * Factorial(l - mp - k))
                        * Math.Pow(cb, 2 * l + m - mp - 2 * k) * Math.Pow(sb, mp - m + 2 * k);
                    sum += ((mp - m + k) & 1) == 0 ? term : -term;
                }
                d[mp + l, m + l] = sum;
            }
        return d;
    }

    private static double Factorial(int k)
    {
        double f = 1;
        for (int i = 2; i <= k; i++) f *= i;
        return f;
    }

    private static double[,] RotationY(double t) => new[,] { { Math.Cos(t), 0, Math.Sin(t) }, { 0, 1, 0 }, { -Math.Sin(t), 0, Math.Cos(t) } };

    private static double[,] RotationX(double t) => new[,] { { 1, 0, 0 }, { 0, Math.Cos(t), -Math.Sin(t) }, { 0, Math.Sin(t), Math.Cos(t) } };

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var c = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                c[i, j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j];
        return c;
    }

    private static void CheckOrder(int l)
    {
        if (l < 0 || l > Irrep.MaxL)
            throw new ArgumentOutOfRangeException(nameof(l), l, $"Wigner D order must be in 0..{Irrep.MaxL}");
    }

    private static void CheckRotation(double[,] rotation)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        var r = rotation;
        if (r.GetLength(0) != 3 || r.GetLength(1) != 3)
            throw new ArgumentException($"rotation must be 3x3, got {r.GetLength(0)}x{r.GetLength(1)}", nameof(rotation));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double dot = r[0, i] * r[0, j] + r[1, i] * r[1, j] + r[2, i] * r[2, j];
                if (Math.Abs(dot - (i == j ? 1 : 0)) > 1e-6)
                    throw new ArgumentException("rotation is not orthonormal (R^T R != I to 1e-6); pass a proper rotation matrix", nameof(rotation));
            }
        double det = r[0, 0] * (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1]) - r[0, 1] * (r[1, 0] * r[2, 2] - r[1, 2] * r[2, 0])
            + r[0, 2] * (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0]);
        if (det < 0)
            throw new ArgumentException("rotation has determinant -1 (a reflection); pass a proper rotation (det +1)", nameof(rotation));
    }
}
