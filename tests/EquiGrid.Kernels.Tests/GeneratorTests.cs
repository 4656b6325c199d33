using EquiGrid.Kernels.Generator.Exact;
using EquiGrid.Kernels.Generator.Expressions;
using EquiGrid.Kernels.Generator.SphericalHarmonics;
using EquiGrid.Kernels.Generator.TensorProducts;

namespace EquiGrid.Kernels.Tests;

public class GeneratorTests
{
    [Fact]
    public void RegenerationReproducesTheCheckedInFile()
    {
        var path = Path.Combine(RepoRoot(), ShPolynomialsFile.RelativePath);
        var checkedIn = File.ReadAllText(path);
        var regenerated = ShPolynomialsFile.Generate();
        Assert.True(checkedIn == regenerated,
            $"{ShPolynomialsFile.RelativePath} differs from the generator's output: run 'dotnet run --project src/Kernels.Generator -- {ShPolynomialsFile.RelativePath}'");
    }

    [Fact]
    public void RegenerationReproducesTheCheckedInTensorProductPaths()
    {
        var path = Path.Combine(RepoRoot(), TpPathKernelsFile.RelativePath);
        var checkedIn = File.ReadAllText(path);
        var regenerated = TpPathKernelsFile.Generate();
        Assert.True(checkedIn == regenerated,
            $"{TpPathKernelsFile.RelativePath} differs from the generator's output: run 'dotnet run --project src/Kernels.Generator -- {TpPathKernelsFile.RelativePath}'");
        Assert.Equal(TpPathKernelsFile.MaxL, TpPathKernels.MaxL);
    }

    [Fact]
    public void ExactSquareRootsRoundCorrectly()
    {
        Assert.Equal(Math.Sqrt(2), ExactMath.ToDouble(Rational.One, 2));
        Assert.Equal(-3 * Math.Sqrt(5) / 7, ExactMath.ToDouble(new Rational(-3, 7), 5), 15);
        Assert.Equal(1.0 / 3, ExactMath.ToDouble(new Rational(1, 3)));
        var rng = new Random(4);
        for (int i = 0; i < 200; i++)
        {
            long p = rng.NextInt64(1, 1L << 40), q = rng.NextInt64(1, 1L << 40);
            double exact = ExactMath.ToDouble(Rational.One, new Rational(p, q));
            double approx = Math.Sqrt((double)p / q);
            // Math.Sqrt of a once-rounded quotient is within one ulp of the correctly rounded root.
            Assert.True(Math.Abs(exact - approx) <= Math.BitIncrement(approx) - approx, $"sqrt({p}/{q})");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(10)]
    public void SolidHarmonicsSumToTheNormalisedPowerOfR(int l)
    {
        // sum_m S_lm^2 = (2l+1) w^l with S_lm = H_lm C_m: checks the exact coefficients and normalisation.
        var rng = new Random(l);
        for (int trial = 0; trial < 10; trial++)
        {
            double x = rng.NextDouble() * 2 - 1, y = rng.NextDouble() * 2 - 1, z = rng.NextDouble() * 2 - 1, w = x * x + y * y + z * z;
            double sum = 0;
            for (int m = 0; m <= l; m++)
            {
                double h = SolidHarmonics.RadialPart(l, m).Evaluate(z, w);
                var c = System.Numerics.Complex.Pow(new System.Numerics.Complex(x, y), m);
                sum += m == 0 ? h * h : h * h * (c.Real * c.Real + c.Imaginary * c.Imaginary);
            }
            Assert.Equal((2 * l + 1) * Math.Pow(w, l), sum, 1e-9 * Math.Pow(w, l) * (2 * l + 1));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(10)]
    public void ProgramsComputeTheHarmonicsTheyAreCountedFor(int l)
    {
        // The counted programs (direct unit, direct homogeneous, recursive) evaluate to the library's values.
        var rng = new Random(50 + l);
        var xyz = ShTestData.RandomVectors(rng, 5);
        var expected = new double[5 * (2 * l + 1)];
        SphericalHarmonics.Forward(LSet.Of(l), xyz, expected);
        var programs = new[] { ShPrograms.Forward(l, ShVariant.Unit), ShPrograms.Forward(l, ShVariant.Homogeneous), ShPrograms.Recursive(l) };
        for (int n = 0; n < 5; n++)
        {
            double r = Math.Sqrt(xyz[3 * n] * xyz[3 * n] + xyz[3 * n + 1] * xyz[3 * n + 1] + xyz[3 * n + 2] * xyz[3 * n + 2]);
            var unit = new Dictionary<string, double> { ["x"] = xyz[3 * n] / r, ["y"] = xyz[3 * n + 1] / r, ["z"] = xyz[3 * n + 2] / r };
            foreach (var program in programs)
            {
                var values = program.Graph.Evaluate(program.Outputs, unit);
                for (int k = 0; k <= 2 * l; k++) Assert.Equal(expected[n * (2 * l + 1) + k], values[k], 1e-11);
            }
        }
    }

    [Fact]
    public void CountsPublishedByTheLibraryAreTheGeneratorsCounts()
    {
        for (int l = 0; l <= 10; l++)
        {
            var direct = ShPrograms.Forward(l, ShVariant.Unit).Count();
            var recursive = ShPrograms.Recursive(l).Count();
            var published = ShOpCounts.ForOrder(l);
            Assert.Equal(direct.Multiplies, published.DirectForward.Multiplies);
            Assert.Equal(direct.Adds, published.DirectForward.Adds);
            Assert.Equal(recursive.Multiplies, published.RecursiveForward.Multiplies);
            Assert.Equal(recursive.Adds, published.RecursiveForward.Adds);
        }
        // The recursion to order 10 must pass through every lower order; the direct program does not.
        Assert.True(ShOpCounts.ForOrder(10).RecursiveForward.Total > 2 * ShOpCounts.ForOrder(10).DirectForward.Total);
    }

    [Fact]
    public void HashConsingSharesCommonSubexpressions()
    {
        var g = new ExprGraph();
        int x = g.Variable("x"), y = g.Variable("y");
        int a = g.Multiply(x, y), b = g.Multiply(y, x);
        Assert.Equal(a, b);
        int s1 = g.Add(x, y), s2 = g.Add(y, x);
        Assert.Equal(s1, s2);
        Assert.Equal(new OpCount(2, 1), g.Count(new[] { g.Multiply(a, s1), s2 }));
        Assert.Equal(x, g.Multiply(g.Constant(1), x));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EquiGrid.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (EquiGrid.sln) not found above " + AppContext.BaseDirectory);
    }
}
