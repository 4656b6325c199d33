using EquiGrid.Grains.Studies;

namespace EquiGrid.Grains.Tests;

public class StudyFileTests
{
    private const string Good = """
        study: lset-grid
        description: the reference grid
        priority: 2
        trial:
          max_molecules: 500
          batch_size: 16
        grid:
          lsets: ["0,1,2", [0,1,2,3,4], "0,3,4,5,6"]
          hidden: [32, 16]
          epochs: [30, 100]
          seeds: [1, 2]
        """;

    [Fact]
    public void Reference_grid_file_parses_and_expands()
    {
        var (def, trials) = StudyFile.Parse(Good);
        Assert.Equal("lset-grid", def.Id);
        Assert.Equal(2, def.Priority);
        Assert.Equal(24, trials.Count);
        Assert.All(trials, t => Assert.Equal(500, t.Config.MaxMolecules));
        Assert.Contains(trials, t => t.Config.LSet == "0,1,2,3,4");
    }

    [Fact]
    public void Every_error_is_reported_with_its_line_and_field()
    {
        var yaml = """
            study: bad id!
            trial:
              batch_size: zero
              learnin_rate: 0.1
            grid:
              lsets: ["0,1,2", "0,x"]
              hidden: [32, -1]
              colour: [red]
            """;
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse(yaml, "s.yaml"));
        var byField = e.Errors.ToDictionary(x => x.Field);
        Assert.Equal(1, byField["study"].Line);
        Assert.Equal(3, byField["trial.batch_size"].Line);
        Assert.Equal(4, byField["trial.learnin_rate"].Line);
        Assert.Equal(6, byField["grid.lsets"].Line);
        Assert.Equal(7, byField["grid.hidden"].Line);
        Assert.Equal(8, byField["grid.colour"].Line);
        Assert.Contains("s.yaml:7:", e.Message);
        Assert.Contains("known:", byField["trial.learnin_rate"].Message);
    }

    [Fact]
    public void Missing_axes_and_malformed_yaml_are_explained()
    {
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: a\ngrid:\n  epochs: [1]\n"));
        Assert.Contains(e.Errors, x => x.Field == "grid.lsets");
        Assert.Contains(e.Errors, x => x.Field == "grid.hidden");
        var y = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: a\ngrid: [1, 2\n"));
        Assert.Equal("yaml", y.Errors[0].Field);
        Assert.True(y.Errors[0].Line >= 2);
    }

    [Theory]
    [InlineData("study: a\ntrial: { hidden: 4 }\ngrid: { lsets: [\"0,1\"] }\n[1]: x\n", 4, 1)]
    [InlineData("study: a\ntrial: { hidden: 4, [x]: 2 }\ngrid: { lsets: [\"0,1\"] }\n", 2, 21)]
    [InlineData("study: a\ntrial: { hidden: 4 }\ngrid: { lsets: [\"0,1\"], {x: 1}: 2 }\n", 3, 25)]
    [InlineData("study: a\ntrial: { hidden: 4 }\ngrid: { lsets: [\"0,1\"] }\nclaims:\n  - { [id]: C1, text: t, checks: [] }\n", 5, 7)]
    public void A_key_that_is_a_list_or_a_mapping_is_refused_with_its_place(string yaml, int line, int column)
    {
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse(yaml, "s.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("yaml", line, column), (error.Field, error.Line, error.Column));
        Assert.Contains("a key must be a plain name", error.Message);
    }

    [Fact]
    public void A_second_yaml_document_is_refused_instead_of_ignored()
    {
        var e = Assert.Throws<StudyFileException>(() => StudyFile.Parse("study: a\ntrial: { hidden: 4 }\ngrid: { lsets: [\"0,1\"] }\n---\nstudy: b\n", "s.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(5, error.Line);
        Assert.Contains("second YAML document", error.Message);
        // A file that merely ends with a document marker is still one study.
        Assert.Equal("a", StudyFile.Parse("study: a\ntrial: { hidden: 4 }\ngrid: { lsets: [\"0,1\"] }\n---\n").Definition.Id);
    }

    [Fact]
    public void A_folder_or_an_endless_device_is_not_read_as_a_study_file()
    {
        var dir = Directory.CreateTempSubdirectory("eg-study-folder-").FullName;
        try
        {
            var folder = Assert.Throws<FileNotFoundException>(() => StudyFile.Load(dir));
            Assert.Contains("is a folder", folder.Message);
        }
        finally { Directory.Delete(dir); }
        if (!OperatingSystem.IsLinux()) return;
        // No length to check up front: reading must stop at the size limit instead of exhausting memory.
        var endless = Assert.Throws<StudyFileException>(() => StudyFile.Load("/dev/zero"));
        Assert.Equal("file", Assert.Single(endless.Errors).Field);
        Assert.Contains($"at most {StudyFile.MaxFileBytes:N0}", endless.Message);
    }
}
