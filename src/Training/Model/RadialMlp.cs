using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiGrid.Training.Model;

/// <summary>
/// The per-edge weight network basis -> h -> weight_numel with e3nn FullyConnectedNet semantics: no biases, weights
/// drawn N(0,1) and divided by sqrt(fan_in) at use, SiLU rescaled to unit second moment under N(0,1) inputs.
/// </summary>
public sealed class RadialMlp : nn.Module
{
    private readonly Parameter _w1;
    private readonly Parameter _w2;
    private readonly double _scale1;
    private readonly double _scale2;

    /// <summary>1 / sqrt(E[silu(z)^2]) for z ~ N(0,1): e3nn's normalize2mom constant for SiLU.</summary>
    public static readonly double SiluSecondMomentScale = 1.0 / Math.Sqrt(SiluSecondMoment());

    /// <summary>Creates the network; weights are drawn from torch's global generator (seeded by the trainer).</summary>
    public RadialMlp(int inputs, int hidden, int outputs) : base("radial_mlp")
    {
        _w1 = new Parameter(randn(inputs, hidden));
        _w2 = new Parameter(randn(hidden, outputs));
        _scale1 = 1.0 / Math.Sqrt(inputs);
        _scale2 = 1.0 / Math.Sqrt(hidden);
        RegisterComponents();
    }

    /// <summary>Maps radial features [E, basis] to per-edge weights [E, outputs].</summary>
    public Tensor Forward(Tensor radial)
    {
        using var scope = NewDisposeScope();
        return Hidden(radial).matmul(_w2).mul_(_scale2).MoveToOuterDisposeScope();
    }

    /// <summary>The hidden layer's activations [E, hidden]: the input of the last layer.</summary>
    public Tensor Hidden(Tensor radial) => nn.functional.silu(radial.matmul(_w1) * _scale1) * SiluSecondMomentScale;

    /// <summary>The last layer's matrix [hidden, outputs] (used unscaled; see <see cref="OutputScale"/>).</summary>
    public Parameter OutputWeights => _w2;

    /// <summary>The last layer's scale 1/sqrt(hidden): weights = <see cref="Hidden"/> x <see cref="OutputWeights"/> x scale.</summary>
    public double OutputScale => _scale2;

    // Simpson's rule over [-12, 12]; the Gaussian tail beyond is below double precision.
    private static double SiluSecondMoment()
    {
        const int n = 24000;
        const double a = -12, b = 12;
        double h = (b - a) / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double z = a + i * h;
            double silu = z / (1 + Math.Exp(-z));
            double f = silu * silu * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            sum += f * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return sum * h / 3;
    }
}
