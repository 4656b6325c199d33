using EquiGrid.Kernels.Generator.Exact;
using EquiGrid.Kernels.Generator.Expressions;

namespace EquiGrid.Kernels.Generator.SphericalHarmonics;

/// <summary>Which form of an order's polynomials a program evaluates.</summary>
public enum ShVariant
{
    /// <summary>Valid only for unit input (w = 1 substituted): cheaper; used when the input is normalised. Its gradient
    /// is exact along the sphere, and the caller removes the radial part with the chain rule through r/|r|.</summary>
    Unit,

    /// <summary>Homogeneous of degree l in (x, y, z): valid for any input (normalizeInput = false).</summary>
    Homogeneous,
}

/// <summary>A straight-line program: its graph, its input variable names and its named outputs.</summary>
public sealed record ShProgram(ExprGraph Graph, IReadOnlyList<string> Inputs, IReadOnlyList<int> Outputs, IReadOnlyList<string> OutputNames)
{
    public OpCount Count() => Graph.Count(Outputs);
}

/// <summary>
/// Builds, for one order l, the direct programs (forward Y_l(x, y, z) and the vector-Jacobian product
/// sum_m g_m grad Y_lm) from the exact solid harmonics, and the recursive program used only to count the operations
/// of the baseline.
/// </summary>
/// <remarks>
/// Structure of the direct program (e3nn frame (x, y, z) mapped to the polar frame (X, Y, Z) = (z, x, y)):
/// C_m = Re/Im (X + iY)^m by repeated complex multiplication within the order, t = Z^2, w = X^2 + Y^2 + Z^2, and each
/// H_lm = Z^(parity) * (Horner polynomial in tau = t - w/2 with coefficients e_i w^(n-i)); the output is H_lm * C_m. Nothing is carried
/// over from order l - 1.
/// </remarks>
public static class ShPrograms
{
    public static ShProgram Forward(int l, ShVariant variant)
    {
        var g = new ExprGraph();
        var f = new Frame(g, l, variant);
        var outputs = new int[2 * l + 1];
        for (int m = 0; m <= l; m++)
        {
            int h = f.Emit(Radial(l, m, variant));
            if (m == 0) outputs[l] = h;
            else
            {
                outputs[l + m] = g.Multiply(h, f.A[m]);
                outputs[l - m] = g.Multiply(h, f.B[m]);
            }
        }
        return new ShProgram(g, new[] { "x", "y", "z" }, outputs, Enumerable.Range(0, 2 * l + 1).Select(i => $"o{i}").ToArray());
    }

    public static ShProgram VectorJacobianProduct(int l, ShVariant variant)
    {
        var g = new ExprGraph();
        var f = new Frame(g, l, variant);
        var grad = Enumerable.Range(0, 2 * l + 1).Select(i => g.Variable($"g{i}")).ToArray();
        var gX = new List<int>();
        var gY = new List<int>();
        var gZ = new List<int>();
        var sW = new List<int>();
        for (int m = 0; m <= l; m++)
        {
            var radial = Radial(l, m, variant);
            int s; // sum over +-m of g * C_m: the weight of dH/dZ and dH/dw
            if (m == 0) s = grad[l];
            else
            {
                int gc = grad[l + m], gs = grad[l - m];
                s = g.Add(g.Multiply(gc, f.A[m]), g.Multiply(gs, f.B[m]));
                // dC_m/dX = m C_(m-1) (same part), dRe/dY = -m Im_(m-1), dIm/dY = m Re_(m-1).
                int h = f.Emit(radial);
                int qx = g.Add(g.Multiply(gc, f.A[m - 1]), g.Multiply(gs, f.B[m - 1]));
                int qy = g.Subtract(g.Multiply(gs, f.A[m - 1]), g.Multiply(gc, f.B[m - 1]));
                gX.Add(g.Scale(m, g.Multiply(h, qx)));
                gY.Add(g.Scale(m, g.Multiply(h, qy)));
            }
            var dz = radial.DerivativeZ();
            if (!dz.IsZero) gZ.Add(g.Multiply(s, f.Emit(dz)));
            if (variant == ShVariant.Homogeneous)
            {
                var dw = radial.DerivativeW();
                if (!dw.IsZero) sW.Add(g.Multiply(s, f.Emit(dw)));
            }
        }
        if (sW.Count > 0)
        {
            // d w / d(X, Y, Z) = 2 (X, Y, Z).
            int twoSw = g.Scale(2.0, g.Sum(sW));
            gX.Add(g.Multiply(f.X, twoSw));
            gY.Add(g.Multiply(f.Y, twoSw));
            gZ.Add(g.Multiply(f.Z, twoSw));
        }
        // Back to e3nn's frame: x = Y, y = Z, z = X.
        var outputs = new[] { g.Sum(gY), g.Sum(gZ), g.Sum(gX) };
        var inputs = new[] { "x", "y", "z" }.Concat(grad.Select((_, i) => $"g{i}")).ToArray();
        return new ShProgram(g, inputs, outputs, new[] { "gx", "gy", "gz" });
    }

    /// <summary>
    /// The baseline's work to reach order l on unit input, as a program: the associated-Legendre recurrence
    /// (l-m) P_l^m = (2l-1) Z P_(l-1)^m - (l+m-1) P_(l-2)^m from P_m^m = (2m-1)!! up to l for every m, the same C_m, and
    /// the normalisation of the order-l outputs. Mirrors RecursiveSphericalHarmonics in src/Kernels; used to count.
    /// </summary>
    public static ShProgram Recursive(int l)
    {
        var g = new ExprGraph();
        var f = new Frame(g, l, ShVariant.Unit);
        var outputs = new int[2 * l + 1];
        for (int m = 0; m <= l; m++)
        {
            double pmm = 1;
            for (int k = 1; k <= 2 * m - 1; k += 2) pmm *= k;
            int prev = -1, cur = g.Constant(pmm);
            for (int j = m + 1; j <= l; j++)
            {
                double a = (2.0 * j - 1) / (j - m), b = (j + m - 1.0) / (j - m);
                int next = g.Scale(a, g.Multiply(f.Z, cur));
                if (prev >= 0) next = g.Subtract(next, g.Scale(b, prev));
                prev = cur;
                cur = next;
            }
            double n = Math.Sqrt(m == 0 ? 2 * l + 1 : 2.0 * (2 * l + 1) * Factorial(l - m) / Factorial(l + m));
            int h = g.Scale(n, cur);
            if (m == 0) outputs[l] = h;
            else
            {
                outputs[l + m] = g.Multiply(h, f.A[m]);
                outputs[l - m] = g.Multiply(h, f.B[m]);
            }
        }
        return new ShProgram(g, new[] { "x", "y", "z" }, outputs, Enumerable.Range(0, 2 * l + 1).Select(i => $"o{i}").ToArray());
    }

    private static double Factorial(int n)
    {
        double r = 1;
        for (int i = 2; i <= n; i++) r *= i;
        return r;
    }

    private static ZwPolynomial Radial(int l, int m, ShVariant variant)
    {
        var p = SolidHarmonics.RadialPart(l, m);
        return variant == ShVariant.Unit ? p.OnUnitSphere() : p;
    }

    /// <summary>Shared subexpressions of one order: the axes, C_m, t = Z^2 and powers of w.</summary>
    private sealed class Frame
    {
        private readonly ExprGraph _g;
        private readonly List<int> _wPowers = new();
        private readonly ShVariant _variant;
        private int _t = -1;
        private int _tau = -1;

        public Frame(ExprGraph g, int l, ShVariant variant)
        {
            _g = g;
            _variant = variant;
            int x = g.Variable("x"), y = g.Variable("y"), z = g.Variable("z");
            X = z;
            Y = x;
            Z = y;
            A = new int[l + 1];
            B = new int[l + 1];
            A[0] = g.Constant(1);
            B[0] = g.Constant(0);
            for (int m = 1; m <= l; m++)
            {
                A[m] = m == 1 ? X : g.Subtract(g.Multiply(A[m - 1], X), g.Multiply(B[m - 1], Y));
                B[m] = m == 1 ? Y : g.Add(g.Multiply(A[m - 1], Y), g.Multiply(B[m - 1], X));
            }
        }

        public int X { get; }
        public int Y { get; }
        public int Z { get; }
        public int[] A { get; }
        public int[] B { get; }

        private int T => _t >= 0 ? _t : _t = _g.Multiply(Z, Z);

        private int Tau => _tau >= 0 ? _tau
            : _tau = _variant == ShVariant.Unit ? _g.Subtract(T, _g.Constant(0.5)) : _g.Subtract(T, _g.Scale(0.5, W(1)));

        private int W(int power)
        {
            if (power == 0) return _g.Constant(1);
            if (_variant == ShVariant.Unit) throw new InvalidOperationException("w = 1 on the unit sphere");
            if (_wPowers.Count == 0) _wPowers.Add(_g.Add(_g.Add(_g.Multiply(X, X), _g.Multiply(Y, Y)), T));
            while (_wPowers.Count < power) _wPowers.Add(_g.Multiply(_wPowers[^1], _wPowers[0]));
            return _wPowers[power - 1];
        }

        /// <summary>
        /// Z^q * Horner polynomial in tau = t - w/2 (tau = t - 1/2 on the unit sphere) with coefficients e_i w^(n-i);
        /// every term of p has the same parity q of Z power.
        /// </summary>
        /// <remarks>
        /// On the sphere t = Z^2 lies in [0, 1]; expanding around its midpoint keeps |tau| &lt;= 1/2 and shrinks the
        /// coefficients' cancellation bound sum |e_i| 2^-i by up to 60x at l = 10 (float32 accuracy) at the cost of one
        /// subtraction per order. The shift is exact (rational arithmetic); only the final e_i are rounded.
        /// </remarks>
        public int Emit(ZwPolynomial p)
        {
            if (p.IsZero) return _g.Constant(0);
            int q = p.Terms.Keys.First().Z % 2;
            if (p.Terms.Keys.Any(k => k.Z % 2 != q)) throw new InvalidOperationException("mixed parity in Z");
            // a_j: coefficient of t^j (times w^(n-j) in the homogeneous form, where 2j + q + 2W is constant).
            var a = new Dictionary<int, Rational>();
            foreach (var (key, c) in p.Terms) a[(key.Z - q) / 2] = a.TryGetValue((key.Z - q) / 2, out var e) ? e + c : c;
            int top = a.Keys.Max();
            int n = _variant == ShVariant.Unit ? top : top + p.Terms.First(t => (t.Key.Z - q) / 2 == top).Key.W;
            // t = tau + w/2: e_i = sum_(j >= i) a_j C(j, i) 2^-(j-i).
            var shifted = new Rational[top + 1];
            for (int i = 0; i <= top; i++)
            {
                Rational sum = Rational.Zero;
                for (int j = i; j <= top; j++)
                    if (a.TryGetValue(j, out var aj))
                        sum += aj * new Rational(ExactMath.Binomial(j, i), System.Numerics.BigInteger.One << (j - i));
                shifted[i] = sum;
            }
            int Coefficient(int i)
            {
                int c = _g.Constant(ExactMath.ToDouble(shifted[i], p.SqrtFactor));
                return _variant == ShVariant.Unit ? c : _g.Multiply(c, W(n - i));
            }
            int h = Coefficient(top);
            for (int i = top - 1; i >= 0; i--)
            {
                h = _g.Multiply(h, Tau);
                if (!shifted[i].IsZero) h = _g.Add(h, Coefficient(i));
            }
            return q == 1 ? _g.Multiply(Z, h) : h;
        }
    }
}
