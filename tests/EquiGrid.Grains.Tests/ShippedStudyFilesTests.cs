using EquiGrid.Grains.Studies;

namespace EquiGrid.Grains.Tests;

/// <summary>The study files shipped in studies/ parse, validate and expand as documented.</summary>
public class ShippedStudyFilesTests
{
    private static string Repo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EquiGrid.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (EquiGrid.sln) not found above the test folder");
    }

    [Fact]
    public void DefaultStudyIsSmallAndCoversANonContiguousLSet()
    {
        var (definition, trials) = StudyFile.Load(Path.Combine(Repo(), "studies", "default.yaml"));
        Assert.Equal("default", definition.Id);
        Assert.Equal(4, trials.Count);
        Assert.Contains(trials, t => t.TrialId.Contains("L0-3-4-5-6"));
        Assert.All(trials, t => Assert.Null(t.Config.DataPath)); // the shipped subset: runs from a fresh clone
        Assert.NotEmpty(definition.Claims);
    }

    [Fact]
    public void Table1HasTheElevenPublishedRunsOnEveryOnHandMolecule()
    {
        var (definition, trials) = StudyFile.Load(Path.Combine(Repo(), "studies", "table1.yaml"));
        Assert.Equal("table1", definition.Id);
        Assert.Equal(
        [
            "L0-1-2_h32_e100", "L0-1-2-4_h32_e100", "L0-1-2-6_h32_e100", "L0-1-2-8_h32_e100", "L0-1-2-10_h32_e100",
            "L0-1-2-3-4_h16_e30", "L0-1-2-3-4_h16_e100", "L0-1-2-3-4-5-6_h16_e30", "L0-1-2-3-4-5-6-7-8_h16_e30",
            "L0-3-4-5-6_h16_e30", "L0-3-4-5-6_h16_e100",
        ], trials.Select(t => t.TrialId["table1/".Length..^"_s21616".Length]));
        Assert.All(trials, t =>
        {
            Assert.Equal(21616, t.Config.Seed);
            Assert.Equal(32, t.Config.BatchSize);
            Assert.Null(t.Config.MaxMolecules); // all of them
            Assert.Equal(Path.GetFullPath(Path.Combine(Repo(), "..", "shared", "data", "qm9", "qm9_u0_subset.xyz.xz")), t.Config.DataPath);
        });
        Assert.Equal(["C1", "C2", "C3", "C4", "C5"], definition.Claims.Select(c => c.Id));
    }

    [Fact]
    public void Table1CpuRunsTheComparedRowsWithSeveralSeeds()
    {
        var (definition, trials) = StudyFile.Load(Path.Combine(Repo(), "studies", "table1-cpu.yaml"));
        Assert.Equal(["C1", "C2", "C3", "C4", "C5"], definition.Claims.Select(c => c.Id));
        // The rows of C1 and C2 have at least 3 seeds each.
        foreach (var claim in definition.Claims.Where(c => c.Id is "C1" or "C2"))
            foreach (var check in claim.Checks)
                foreach (var side in new[] { check.A, check.B }.OfType<ClaimSide>())
                    Assert.True(StudyValidator.Select(side, trials).Select(t => t.Config.Seed).Distinct().Count() >= 3, $"{claim.Id}: {side.Metric}");
        // Epochs keep the published 30:100 ratio.
        var epochs = trials.Select(t => t.Config.Epochs).Distinct().Order().ToList();
        Assert.Equal(2, epochs.Count);
        Assert.Equal(0.3, epochs[0] / (double)epochs[1], 2);
    }
}
