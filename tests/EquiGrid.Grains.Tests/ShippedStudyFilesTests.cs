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
        Assert.Equal(3, trials.Count);
        Assert.Contains(trials, t => t.TrialId.Contains("L0-3-4-5-6"));
    }

    [Fact]
    public void ReferenceStudyExpandsTo36Trials()
    {
        var (definition, trials) = StudyFile.Load(Path.Combine(Repo(), "studies", "reference.yaml"));
        Assert.Equal("lset-grid", definition.Id);
        Assert.Equal(36, trials.Count);
    }
}
