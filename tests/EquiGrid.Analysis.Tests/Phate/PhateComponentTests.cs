using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Phate;
using EquiGrid.Analysis.Synthetic;

namespace EquiGrid.Analysis.Tests.Phate;

public class PhateComponentTests
{
    [Fact]
    public void Kernel_is_symmetric_with_unit_diagonal_and_bandwidth_neighbour_near_exp_minus_one()
    {
        var (x, _) = SyntheticData.GaussianClusters(3, 40, 6, 8, seed: 2);
        var opt = new PhateOptions();
        var k = AlphaDecayKernel.Build(x, opt);
        var dense = new double[x.Rows, x.Rows];
        for (int r = 0; r < k.Rows; r++)
            for (int p = k.RowStart[r]; p < k.RowStart[r + 1]; p++) dense[r, k.ColIndex[p]] = k.Values[p];
        for (int i = 0; i < x.Rows; i++)
        {
            Assert.True(dense[i, i] >= 1.0);
            for (int j = 0; j < x.Rows; j++) Assert.Equal(dense[i, j], dense[j, i], 15);
        }
        // The knn-th neighbour of i is at exactly eps_i, so i's own half of the entry is exp(-1)/2.
        var nn = NearestNeighbors.Search(x, opt.Knn);
        int jk = nn.Indices[opt.Knn - 1];
        Assert.True(dense[0, jk] >= 0.5 * Math.Exp(-1) - 1e-12);
    }

    [Fact]
    public void Landmark_operator_is_row_stochastic_with_symmetric_core_and_stochastic_transitions()
    {
        var (x, _) = SyntheticData.GaussianClusters(4, 60, 5, 10, seed: 3);
        var k = AlphaDecayKernel.Build(x, new PhateOptions());
        var labels = LandmarkOperator.SpectralClusters(k, 30, 10, seed: 1);
        var op = LandmarkOperator.FromClusters(k, labels);
        var s = op.Symmetric;
        Assert.Equal(labels.Max() + 1, op.Size);
        for (int a = 0; a < s.Rows; a++)
            for (int b = 0; b < s.Rows; b++) Assert.Equal(s[a, b], s[b, a], 12);
        // S's row sums equal the cluster-summed kernel's row sums: P = Dr^-1 S is row-stochastic by construction.
        var byCluster = new double[op.Size];
        var rowSums = k.RowSums();
        for (int i = 0; i < x.Rows; i++) byCluster[labels[i]] += rowSums[i];
        for (int a = 0; a < op.Size; a++) Assert.Equal(byCluster[a], s.Row(a).ToArray().Sum(), 9);
        var t = op.Transitions!;
        Assert.All(t.RowSums(), v => Assert.Equal(1.0, v, 12));
    }

    [Fact]
    public void Metric_mds_recovers_a_planar_configuration_from_its_distances()
    {
        var rng = new Random(4);
        int n = 60;
        var p = new RowMatrix(n, 2);
        for (int i = 0; i < p.Data.Length; i++) p.Data[i] = rng.NextDouble() * 10;
        var d = new RowMatrix(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) d[i, j] = Math.Sqrt(Math.Pow(p[i, 0] - p[j, 0], 2) + Math.Pow(p[i, 1] - p[j, 1], 2));
        var y = MetricMds.Smacof(d, MetricMds.Classical(d, seed: 1), 300);
        double worst = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                worst = Math.Max(worst, Math.Abs(Math.Sqrt(Math.Pow(y[i, 0] - y[j, 0], 2) + Math.Pow(y[i, 1] - y[j, 1], 2)) - d[i, j]));
        Assert.True(worst < 1e-3, $"largest distance error {worst}");
    }

    [Fact]
    public void Matrix_power_by_squaring_equals_repeated_multiplication()
    {
        var rng = new Random(5);
        int m = 9;
        var a = new double[m * m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = rng.NextDouble() / m;
        var expected = (double[])a.Clone();
        for (int t = 2; t <= 13; t++)
        {
            var next = new double[m * m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    for (int q = 0; q < m; q++) next[i * m + j] += expected[i * m + q] * a[q * m + j];
            expected = next;
            var got = PhateEmbedder.MatrixPower(a, m, t);
            for (int i = 0; i < m * m; i++) Assert.Equal(expected[i], got[i], 14);
        }
    }
}
