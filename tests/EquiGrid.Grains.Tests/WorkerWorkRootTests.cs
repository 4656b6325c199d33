using EquiGrid.Silo.Worker;

namespace EquiGrid.Grains.Tests;

/// <summary>
/// Where a worker keeps its attempt folders. A starting worker empties its node's folder (leftovers of a SIGKILLed
/// predecessor), so two clusters on one machine whose nodes share a name must not share it: before the folder was per
/// service, a test cluster's "silo0" starting beside another's deleted that one's running attempts (their spec and
/// result files), and the trial failed as bad input.
/// </summary>
public class WorkerWorkRootTests
{
    [Fact]
    public void The_default_folder_is_per_service_so_same_named_nodes_of_two_clusters_never_share_it()
    {
        var settings = new WorkerSettings();
        var a = settings.WorkRoot("calm", "silo0");
        var b = settings.WorkRoot("chaos", "silo0");
        Assert.NotEqual(a, b);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "equigrid-work", "calm", "silo0"), a);
    }

    [Fact]
    public void A_configured_folder_holds_one_subfolder_per_node()
    {
        var settings = new WorkerSettings { WorkDir = Path.Combine("state", "silo0", "work") };
        Assert.Equal(Path.Combine("state", "silo0", "work", "node-1"), settings.WorkRoot("equigrid", "node-1"));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../other")]
    [InlineData("a/b")]
    public void Node_and_service_names_never_leave_the_work_folder(string name)
    {
        var settings = new WorkerSettings { WorkDir = Path.Combine(Path.GetTempPath(), "w") };
        var root = Path.GetFullPath(settings.WorkRoot(name, name));
        Assert.StartsWith(Path.GetFullPath(settings.WorkDir) + Path.DirectorySeparatorChar, root);
        Assert.Equal(Path.GetFullPath(settings.WorkDir), Path.GetDirectoryName(root));
        var byDefault = Path.GetFullPath(new WorkerSettings().WorkRoot(name, name));
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "equigrid-work") + Path.DirectorySeparatorChar, byDefault);
    }
}
