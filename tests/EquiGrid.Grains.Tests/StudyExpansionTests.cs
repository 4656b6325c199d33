using EquiGrid.Grains.Scheduling;
using EquiGrid.Grains.Studies;

namespace EquiGrid.Grains.Tests;

public class StudyExpansionTests
{
    [Fact]
    public void Reference_grid_expands_to_the_cartesian_product_in_file_order()
    {
        var study = new StudyDefinition
        {
            Id = "ref",
            Base = new TrialConfig { LSet = "0", Hidden = 1 },
            Axes =
            [
                new GridAxis("lset", ["0,1,2", "0,1,2,3,4", "0,3,4,5,6"]),
                new GridAxis("hidden", ["32", "16"]),
                new GridAxis("epochs", ["30", "100"]),
                new GridAxis("seed", ["1", "2", "3"]),
            ],
        };
        var trials = StudyValidator.Validate(study);
        Assert.Equal(3 * 2 * 2 * 3, trials.Count);
        Assert.Equal(trials.Count, trials.Select(t => t.TrialId).Distinct().Count());
        Assert.Equal("ref/L0-1-2_h32_e30_s1", trials[0].TrialId);
        Assert.Equal("ref/L0-1-2_h32_e30_s2", trials[1].TrialId); // last axis varies fastest
        Assert.Equal("ref/L0-3-4-5-6_h16_e100_s3", trials[^1].TrialId);
        Assert.All(trials, t => Assert.StartsWith("ref/", t.TrialId));
        Assert.Equal(StudyValidator.Validate(study).Select(t => t.TrialId), trials.Select(t => t.TrialId)); // deterministic
    }

    [Fact]
    public void Extra_axes_become_part_of_the_trial_identity()
    {
        var study = TestStudies.Grid("x", seeds: 1) with { Axes = [new GridAxis("lset", ["0,1"]), new GridAxis("hidden", ["8"]), new GridAxis("extra.opt", ["adamw", "sgd"])] };
        var trials = StudyValidator.Validate(study);
        Assert.Equal(["x/L0-1_h8_e3_s21616_opt-adamw", "x/L0-1_h8_e3_s21616_opt-sgd"], trials.Select(t => t.TrialId));
        Assert.Equal("sgd", trials[1].Config.Extra!["opt"]);
    }

    [Fact]
    public void Duplicate_values_and_bad_values_are_rejected_with_the_field_named()
    {
        var dup = TestStudies.Grid("d") with { Axes = [new GridAxis("lset", ["0,1,2", "2,1,0"]), new GridAxis("hidden", ["8"])] };
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => StudyValidator.Validate(dup)).Message);
        var bad = TestStudies.Grid("b") with { Axes = [new GridAxis("hidden", ["8", "-3"])] };
        var e = Assert.Throws<ArgumentException>(() => StudyValidator.Validate(bad));
        Assert.Contains("hidden", e.Message);
        Assert.Throws<ArgumentException>(() => StudyValidator.Validate(TestStudies.Grid("has/slash")));
    }

    [Fact]
    public void Device_is_a_trial_field_that_leaves_the_trial_name_alone()
    {
        var study = TestStudies.Grid("g") with { Axes = [new GridAxis("lset", ["0,1"]), new GridAxis("hidden", ["8"]), new GridAxis("device", ["gpu"])] };
        var trial = Assert.Single(StudyValidator.Validate(study));
        Assert.Equal("gpu", trial.Config.Device);
        Assert.Equal("g/L0-1_h8_e3_s21616", trial.TrialId);
        Assert.Equal("auto", new TrialConfig { LSet = "0", Hidden = 1 }.Device);
        var e = Assert.Throws<FormatException>(() => TrialFields.Apply(trial.Config, "device", "tpu"));
        Assert.Contains("device", e.Message);
        Assert.Contains("'auto'", e.Message);
    }

    [Fact]
    public void Memory_estimate_counts_parity_allowed_paths_and_grows_with_the_lset()
    {
        var small = TrialResourceEstimate.For(new TrialConfig { LSet = "0,1,2", Hidden = 32 });
        Assert.Equal(11, small.Paths); // the platform notes' 11264 = 11 x 32 x 32 weights per block
        Assert.Equal(11264, small.WeightsPerBlock);
        var large = TrialResourceEstimate.For(new TrialConfig { LSet = "0,3,4,5,6", Hidden = 32 });
        Assert.True(large.MemoryBytes > small.MemoryBytes);
        Assert.True(large.Paths > small.Paths);
    }

    [Fact]
    public void Placement_keeps_large_trials_for_gpu_nodes_and_respects_memory()
    {
        var cpu = TestStudies.Node("cpu", memoryGb: 8);
        var gpu = TestStudies.Node("gpu", memoryGb: 64, gpu: "H100");
        var large = new TrialTicket("s", 20L << 30, Large: true);
        var small = new TrialTicket("s", 1L << 30, Large: false);
        Assert.False(Placement.Fits(large, cpu, [cpu, gpu]));
        Assert.True(Placement.Fits(large, gpu, [cpu, gpu]));
        Assert.True(Placement.Fits(small, cpu, [cpu, gpu]));
        // Without a GPU node, a large trial that fits no node still runs on the biggest one.
        var big = TestStudies.Node("big", memoryGb: 16);
        Assert.False(Placement.Fits(large, cpu, [cpu, big]));
        Assert.True(Placement.Fits(large, big, [cpu, big]));
    }
}
