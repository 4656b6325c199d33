using EquiGrid.Analysis.Data;
using EquiGrid.Analysis.Numerics;
using EquiGrid.Analysis.Synthetic;
using EquiGrid.Kernels;

namespace EquiGrid.Analysis.Tests.Data;

public class DataTests
{
    private static string Temp() => Directory.CreateTempSubdirectory("eg-analysis-").FullName;

    [Fact]
    public void Npy_round_trips_float32_and_reads_float64()
    {
        var dir = Temp();
        var m = new RowMatrix(3, 2, new[] { 1.5, -2, 3, 4, 5, 6.25 });
        var p = Path.Combine(dir, "a.npy");
        NpyFile.WriteFloat32(p, m);
        Assert.Equal(m.Data, NpyFile.Read(p).Data);
        // A float64 1-D file written by hand: header padded to 64 bytes as NumPy does.
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
        header = header.PadRight(64 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange(new byte[] { 1, 0, (byte)header.Length, 0 });
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(header));
        bytes.AddRange(BitConverter.GetBytes(0.25));
        bytes.AddRange(BitConverter.GetBytes(-8.0));
        var v = NpyFile.Parse(bytes.ToArray(), "v.npy");
        Assert.Equal((2, 1), (v.Rows, v.Cols));
        Assert.Equal(new[] { 0.25, -8 }, v.Data);
    }

    [Fact]
    public void Npy_errors_name_the_problem()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => NpyFile.Parse(Array.Empty<byte>(), "x.npy")).Message);
        Assert.Contains("not a .npy", Assert.Throws<InvalidDataException>(() => NpyFile.Parse("hello world!"u8.ToArray(), "x.npy")).Message);
        var dir = Temp();
        var p = Path.Combine(dir, "t.npy");
        NpyFile.WriteFloat32(p, new RowMatrix(4, 4));
        var truncated = File.ReadAllBytes(p)[..^10];
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => NpyFile.Parse(truncated, "t.npy")).Message);
    }

    [Fact]
    public void Csv_reads_optional_header_and_rejects_bad_rows_with_line_numbers()
    {
        var dir = Temp();
        string F(string name, string text) { var p = Path.Combine(dir, name); File.WriteAllText(p, text); return p; }
        var m = CsvMatrix.Read(F("h.csv", "a,b\n1,2\n3,4e1\n"));
        Assert.Equal(new[] { 1.0, 2, 3, 40 }, m.Data);
        Assert.Equal(2, CsvMatrix.Read(F("n.csv", "1,2\n3,4\n")).Rows);
        Assert.Contains("line 3", Assert.Throws<InvalidDataException>(() => CsvMatrix.Read(F("r.csv", "1,2\n3,4\n5\n"))).Message);
        Assert.Contains("line 2, column 2", Assert.Throws<InvalidDataException>(() => CsvMatrix.Read(F("x.csv", "1,2\n3,abc\n"))).Message);
        Assert.Contains("no data rows", Assert.Throws<InvalidDataException>(() => CsvMatrix.Read(F("e.csv", ""))).Message);
        Assert.Contains("no data rows", Assert.Throws<InvalidDataException>(() => CsvMatrix.Read(F("ho.csv", "a,b\n"))).Message);
    }

    [Fact]
    public void Embedding_export_round_trips_and_rejects_bad_metadata()
    {
        var dir = Temp();
        var set = SyntheticEmbeddings.Create(20, LSet.Of(0, 1), 2, new[] { 0 }, seed: 1);
        EmbeddingExport.Save(dir, set);
        var back = EmbeddingExport.Load(dir);
        Assert.Equal(set.Irreps, back.Irreps);
        Assert.Equal(set.Ids, back.Ids);
        Assert.Equal(set.Nsps!, back.Nsps!);
        Assert.Equal(set.Matrix.Data.Select(v => (double)(float)v), back.Matrix.Data);

        var meta = Path.Combine(dir, EmbeddingExport.MetadataFile);
        var json = ContractJson.Read<EmbeddingMetadata>(meta);
        Assert.Equal("2x0e+2x1o", json.Irreps);
        ContractJson.Write(meta, json with { Irreps = null });
        Assert.Contains("irrep metadata", Assert.Throws<InvalidDataException>(() => EmbeddingExport.Load(dir)).Message);
        ContractJson.Write(meta, json with { Irreps = "2x0e+3x1o", Blocks = null });
        Assert.Contains("has 8 columns", Assert.Throws<InvalidDataException>(() => EmbeddingExport.Load(dir)).Message);
        ContractJson.Write(meta, json with { Blocks = [json.Blocks![0], json.Blocks[1] with { Start = 3 }] });
        Assert.Contains("'blocks'[1] = [3, +6) does not match irreps '2x0e+2x1o'", Assert.Throws<InvalidDataException>(() => EmbeddingExport.Load(dir)).Message);
        ContractJson.Write(meta, json with { Ids = json.Ids!.Skip(1).ToList() });
        Assert.Contains("'ids' has 19 entries", Assert.Throws<InvalidDataException>(() => EmbeddingExport.Load(dir)).Message);
        // Exports from before ids were text have numbers there: read as their text.
        File.WriteAllText(meta, ContractJson.Serialize(json).Replace("\"ids\":[\"1\",\"2\",", "\"ids\":[1,2,"));
        Assert.Equal(set.Ids, EmbeddingExport.Load(dir).Ids);
        File.WriteAllText(meta, "");
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => EmbeddingExport.Load(dir)).Message);
        File.Delete(meta);
        Assert.Contains("irrep metadata", Assert.Throws<FileNotFoundException>(() => EmbeddingExport.Load(dir)).Message);
    }

    [Fact]
    public void Result_json_is_the_trainer_contract_and_metrics_jsonl_gives_its_epoch_lines()
    {
        var dir = Temp();
        var p = Path.Combine(dir, "result.json");
        ContractJson.Write(p, new TrialResult
        {
            Spec = new TrialSpec { LSet = "0,3,4", Hidden = 16, Epochs = 30 }, Parameters = 123, TestMseNormalized = 0.5, TestMaeEv = 1.25, TestRmseEv = 2,
        });
        var r = new TrialDirectory(dir).LoadResult()!;
        Assert.Equal(("0,3,4", 16, 30, 123L), (r.Spec.LSet, r.Spec.Hidden, r.Spec.Epochs, r.Parameters));
        Assert.Equal((0.5, 1.25, 2.0), (r.TestMseNormalized, r.TestMaeEv, r.TestRmseEv));
        var m = Path.Combine(dir, "metrics.jsonl");
        // Epoch lines as the trainer writes them; an epoch written twice keeps its last line; the test line is not an epoch.
        File.WriteAllText(m, "{\"type\":\"epoch\",\"epoch\":0,\"train_loss\":2,\"val_loss\":3,\"seconds\":1,\"step\":5}\n" +
                             "{\"type\":\"epoch\",\"epoch\":0,\"train_loss\":1,\"val_loss\":1.5,\"seconds\":1,\"step\":5}\n\n" +
                             "{\"type\":\"epoch\",\"epoch\":1,\"train_loss\":0.5,\"val_loss\":0.7,\"seconds\":1,\"step\":10}\n" +
                             "{\"type\":\"test\",\"mse\":0.4,\"mae_ev\":1,\"rmse_ev\":2}\n");
        var epochs = TrialDirectory.LoadMetrics(m);
        Assert.Equal(2, epochs.Count);
        Assert.Equal(new EpochMetrics(0, 1, 1.5, 1), epochs[0]);
        Assert.Equal(epochs, new TrialDirectory(dir).LoadCurve(r));
        File.WriteAllText(m, "{\"epoch\":0\n");
        Assert.Contains("line 1", Assert.Throws<InvalidDataException>(() => TrialDirectory.LoadMetrics(m)).Message);
        File.Delete(m);
        Assert.Empty(new TrialDirectory(dir).LoadCurve(r)); // no metrics.jsonl: result.json's epochs (none here)
        File.WriteAllText(p, """{"parameters": 1}""");
        Assert.Contains("not a TrialResult", Assert.Throws<InvalidDataException>(() => new TrialDirectory(dir).LoadResult()).Message);
    }

    [Fact]
    public void Nsps_table_joins_by_id_or_smiles_and_reports_missing_molecules()
    {
        var dir = Temp();
        var set = SyntheticEmbeddings.Create(3, LSet.Of(0), 1, Array.Empty<int>(), seed: 1);
        var p = Path.Combine(dir, "nsps.tsv");
        File.WriteAllText(p, $"SMILES\tNSPS\n1\t5.5\n{set.Smiles[1]}\t6\n{set.Smiles[2]}\t7\n");
        Assert.Equal(new[] { 5.5, 6, 7 }, NspsTable.Join(set, NspsTable.Read(p), p));
        File.WriteAllText(p, "1\t5.5\n");
        Assert.Contains("no NSPS for molecule id 2", Assert.Throws<InvalidDataException>(() => NspsTable.Join(set, NspsTable.Read(p), p)).Message);
    }
}

public class NspsFromSmilesTests
{
    [Fact]
    public void Nsps_is_computed_from_smiles_and_unscorable_molecules_are_named_and_left_as_nan()
    {
        var set = SyntheticEmbeddings.Create(2, LSet.Of(0), 1, Array.Empty<int>(), seed: 1) with { Smiles = new[] { "CC", "C1CC1" }, Nsps = null };
        // Ethane: two sp3 carbons with one heavy neighbour each, 3*1*1*1 per atom -> 3; cyclopropane: 3*1*2*4 = 24 per atom.
        Assert.Equal(new[] { 3.0, 24.0 }, NspsFromSmiles.Compute(set, "x"));
        var bad = set with { Smiles = new[] { "CC", "C1CC" } };
        var log = new List<string>();
        var v = NspsFromSmiles.Compute(bad, "x", log.Add);
        Assert.Equal(3.0, v[0]);
        Assert.True(double.IsNaN(v[1]));
        var line = Assert.Single(log);
        Assert.Contains("1 of 2 molecules", line);
        Assert.Contains("id 2", line);
    }
}
