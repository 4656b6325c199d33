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
            Base = new TrialSpec { LSet = "0", Hidden = 1 },
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
        Assert.Equal("auto", new TrialSpec { LSet = "0", Hidden = 1 }.Device);
        var e = Assert.Throws<FormatException>(() => TrialFields.Apply(trial.Config, "device", "tpu"));
        Assert.Contains("device", e.Message);
        Assert.Contains("'auto'", e.Message);
    }

    [Fact]
    public void Memory_estimate_counts_parity_allowed_paths_and_grows_with_the_lset()
    {
        var small = TrialResourceEstimate.For(new TrialSpec { LSet = "0,1,2", Hidden = 32 });
        Assert.Equal(11, small.Paths); // the platform notes' 11264 = 11 x 32 x 32 weights per block
        Assert.Equal(11264, small.WeightsPerBlock);
        var large = TrialResourceEstimate.For(new TrialSpec { LSet = "0,3,4,5,6", Hidden = 32 });
        Assert.True(large.MemoryBytes > small.MemoryBytes);
        Assert.True(large.Paths > small.Paths);
    }

    [Fact]
    public void Estimate_marks_large_lsets_and_widths_gpu_first_and_scales_time_by_relative_work()
    {
        var reference = TrialResourceEstimate.For(new TrialSpec { LSet = "0,1,2", Hidden = 32, Epochs = 2, MaxMolecules = 1000 });
        Assert.Equal(1.0, reference.RelativeCost, 9);
        Assert.False(reference.GpuFirst);
        Assert.Equal(2000, reference.MoleculesSeen);
        Assert.Equal(20.0, reference.EstimatedSeconds(100)!.Value, 9); // 2000 molecules at 100/s
        Assert.Null(reference.EstimatedSeconds(0));
        var narrow = TrialResourceEstimate.For(new TrialSpec { LSet = "0,1,2", Hidden = 16 });
        Assert.Equal(0.25, narrow.RelativeCost, 9); // work grows with h^2
        var highL = TrialResourceEstimate.For(new TrialSpec { LSet = "0,3,4,5,6", Hidden = 16 });
        Assert.False(highL.IsLarge); // fits 1 GiB, but ~23x the reference's work per molecule
        Assert.True(highL.GpuFirst);
        Assert.True(TrialResourceEstimate.For(new TrialSpec { LSet = "0,3,4,5,6", Hidden = 32 }).IsLarge);
        Assert.Equal(TrialDevice.Gpu, TrialResourceEstimate.For(new TrialSpec { LSet = "0", Hidden = 1 }, TrialDevice.Gpu).Device);
        Assert.Equal([TrialDevice.Auto, TrialDevice.Auto, TrialDevice.Cpu, TrialDevice.Gpu],
            new[] { null, "auto", "CPU", "gpu" }.Select(TrialResourceEstimate.ParseDevice));
        Assert.StartsWith("device: 'tpu' is not a device", Assert.Throws<ArgumentException>(() => TrialResourceEstimate.ParseDevice("tpu")).Message);
    }

    [Fact]
    public void Placement_keeps_gpu_first_trials_for_free_gpu_nodes_and_never_exceeds_memory()
    {
        var cpu = TestStudies.Node("cpu", memoryGb: 8);
        var gpu = TestStudies.Node("gpu", memoryGb: 64, gpu: "H100"); // 80 GiB of GPU memory
        var idle = new PlacementView([cpu, gpu], _ => 0);
        var large = new PlacementNeeds(20L << 30, GpuFirst: true, TrialDevice.Auto);
        var small = new PlacementNeeds(1L << 30, GpuFirst: false, TrialDevice.Auto);
        Assert.False(Placement.Allows(large, cpu, idle));
        Assert.True(Placement.Allows(large, gpu, idle));
        Assert.True(Placement.Allows(small, cpu, idle));
        Assert.True(Placement.Allows(small, gpu, idle));
        // A GPU-first trial that a CPU node could hold waits for a GPU node with a free slot, not for a busy one.
        var big = TestStudies.Node("big", memoryGb: 16);
        var heavy = new PlacementNeeds(4L << 30, GpuFirst: true, TrialDevice.Auto);
        Assert.False(Placement.Allows(heavy, big, new PlacementView([big, gpu], _ => 0)));
        Assert.True(Placement.Allows(heavy, big, new PlacementView([big, gpu], n => n == "gpu" ? 1 : 0)));
        Assert.True(Placement.Allows(heavy, big, new PlacementView([big], _ => 0)));
        // A trial larger than every node goes nowhere (it waits for a node it fits), never to the biggest one.
        var huge = new PlacementNeeds(100L << 30, GpuFirst: true, TrialDevice.Auto);
        Assert.False(Placement.FitsAnyNode(huge, [cpu, big, gpu]));
        Assert.All(new[] { cpu, big, gpu }, n => Assert.False(Placement.Allows(huge, n, new PlacementView([cpu, big, gpu], _ => 0))));
        // device: cpu measures against host memory, also on a GPU node, and is never held for a GPU node;
        // device: gpu never runs on a CPU node.
        Assert.True(Placement.Allows(new PlacementNeeds(50L << 30, false, TrialDevice.Cpu), gpu, idle));
        Assert.False(Placement.Allows(new PlacementNeeds(70L << 30, false, TrialDevice.Cpu), gpu, idle));
        Assert.True(Placement.Allows(new PlacementNeeds(4L << 30, true, TrialDevice.Cpu), big, new PlacementView([big, gpu], _ => 0)));
        Assert.False(Placement.Allows(new PlacementNeeds(1L << 30, false, TrialDevice.Gpu), big, new PlacementView([big], _ => 0)));
    }
}
