using System.Globalization;
using System.Text;
using EquiGrid.Training.Data;
using EquiGrid.Training.Model;
using static TorchSharp.torch;

namespace EquiGrid.Training;

/// <summary>
/// Writes what the utilisation analysis needs from a trained model into <c>DIR/embeddings/</c>:
/// embeddings.npy (float32 [n, hidden.Dim]: per-molecule sums of the final node features, before the readout),
/// embeddings_before_final.npy (the same for the node features entering the final block: the final block's l &gt; 0
/// outputs get no gradient because the readout takes scalars only, so this is the last layer whose every order was
/// trained), embeddings.json (irreps, per-block column ranges, ids, SMILES, targets and predictions in eV, split),
/// ablation.json (test error with each order zeroed after each block, and gradient x input attribution per block and
/// order) and, for a spec with export_at, epochs/e{N}/ with the two matrices of the model kept after epoch N. The
/// layout is the one the Analysis loader reads (docs/analysis.md).
/// </summary>
public static class EmbeddingExporter
{
    /// <summary>
    /// File next to a QM9 data file whose SMILES fill in molecules the data file has none for (the on-hand
    /// qm9_u0_subset.xyz.xz carries no SMILES lines; its sibling table has them for all but 15 molecules).
    /// </summary>
    public static readonly string[] SmilesTableNames = ["qm9_properties_union.csv.xz", "qm9_properties_union.csv"];

    /// <summary>Exports every molecule of <paramref name="data"/>, the ablation numbers on the trainer's test split, and the kept per-epoch models.</summary>
    public static async Task ExportAsync(Trainer trainer, TrainingData data, string trialDirectory, int batchSize = 64, CancellationToken ct = default)
    {
        var model = trainer.Model ?? throw new InvalidOperationException("train the model before exporting embeddings");
        var dir = Path.Combine(trialDirectory, "embeddings");
        Directory.CreateDirectory(dir);
        var irreps = model.Config.HiddenIrreps;
        int n = data.Molecules.Count;
        var predictions = WriteEmbeddings(model, data, dir, batchSize);

        var split = new string[n];
        foreach (var i in trainer.Split.Train) split[i] = "train";
        foreach (var i in trainer.Split.Validation) split[i] = "validation";
        foreach (var i in trainer.Split.Test) split[i] = "test";
        var smilesTable = SmilesBeside(trainer.Spec.DataPath);
        ContractJson.Write(Path.Combine(dir, EmbeddingMetadata.FileName), new EmbeddingMetadata
        {
            Irreps = irreps.ToString(),
            Blocks = Enumerable.Range(0, irreps.Count).Select(i => new EmbeddingBlock
            {
                Irrep = irreps[i].ToString(), L = irreps[i].Irrep.L, Parity = irreps[i].Irrep.Parity,
                Mul = irreps[i].Mul, Start = irreps.Slice(i).Start, Length = irreps.Slice(i).Length,
            }).ToList(),
            Ids = data.Molecules.Select(m => m.GdbId.ToString(CultureInfo.InvariantCulture)).ToList(),
            Smiles = data.Molecules.Select(m => m.Smiles ?? smilesTable?.GetValueOrDefault(m.GdbId) ?? "").ToList(),
            TargetsEv = data.Molecules.Select(m => m.AtomizationEnergyEv).ToList(),
            PredictionsEv = predictions,
            Split = split,
        });
        ContractJson.Write(Path.Combine(dir, AblationFile.FileName), Ablation(trainer, model, data), indented: true);

        foreach (var epoch in trainer.ExportEpochs)
        {
            var kept = await trainer.LoadSnapshotAsync(epoch, ct);
            var snapDir = Path.Combine(dir, "epochs", $"e{epoch}");
            Directory.CreateDirectory(snapDir);
            WriteEmbeddings(kept, data, snapDir, batchSize);
            ContractJson.Write(Path.Combine(snapDir, EmbeddingSnapshotInfo.FileName), new EmbeddingSnapshotInfo
            {
                Epoch = epoch, Epochs = trainer.Spec.Epochs, Fraction = ExportSchedule.FractionOf(trainer.Spec, epoch),
            });
        }
    }

    /// <summary>The gdb id -> SMILES table beside a QM9 data file (see <see cref="SmilesTableNames"/>), or null.</summary>
    public static Dictionary<int, string>? SmilesBeside(string? dataPath)
    {
        if (string.IsNullOrEmpty(dataPath)) return null;
        var folder = Directory.Exists(dataPath) ? dataPath : Path.GetDirectoryName(Path.GetFullPath(dataPath));
        if (folder is null) return null;
        var table = SmilesTableNames.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
        return table is null ? null : SmilesTable.Read(table);
    }

    // embeddings.npy (after the final block) and embeddings_before_final.npy (entering it) of every molecule; returns the predictions in eV.
    private static double[] WriteEmbeddings(EquivariantModel model, TrainingData data, string dir, int batchSize)
    {
        int n = data.Molecules.Count, dim = model.Config.HiddenIrreps.Dim;
        var final = new float[(long)n * dim];
        var beforeFinal = new float[(long)n * dim];
        var predictions = new double[n];
        model.eval();
        using (no_grad())
        {
            for (int start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var idx = Enumerable.Range(start, Math.Min(batchSize, n - start)).ToArray();
                var batch = data.Batch(idx);
                var output = model.ForwardDetailed(batch, null);
                var emb = EquivariantModel.GraphEmbedding(output.NodeFeatures, batch).contiguous().data<float>().ToArray();
                Array.Copy(emb, 0, final, (long)start * dim, emb.Length);
                // Every hidden block maps hidden irreps to hidden irreps, so the block before the final one has the same layout.
                var before = EquivariantModel.GraphEmbedding(output.BlockFeatures[^2], batch).contiguous().data<float>().ToArray();
                Array.Copy(before, 0, beforeFinal, (long)start * dim, before.Length);
                var pred = output.Prediction.data<float>().ToArray();
                for (int i = 0; i < idx.Length; i++) predictions[start + i] = data.Normalizer.Denormalize(pred[i]);
            }
        }
        WriteNpy(Path.Combine(dir, "embeddings.npy"), final, n, dim);
        WriteNpy(Path.Combine(dir, "embeddings_before_final.npy"), beforeFinal, n, dim);
        return predictions;
    }

    private static AblationFile Ablation(Trainer trainer, EquivariantModel model, TrainingData data)
    {
        var test = trainer.Split.Test;
        double baseline = trainer.Evaluate(model, test).Mse;
        var ablation = new List<AblationEntry>();
        int blocks = model.Blocks.Count;
        foreach (var l in model.Config.LSet.Orders)
            for (int b = 0; b < blocks; b++)
            {
                double error = trainer.Evaluate(model, test, new IrrepAblation(b, l)).Mse;
                ablation.Add(new AblationEntry { Layer = b == blocks - 1 ? AblationFile.FinalLayer : $"block_{b}", L = l, Error = error, Delta = error - baseline });
            }
        return new AblationFile { Metric = "test_mse_normalized", Baseline = baseline, Ablation = ablation, Attribution = Attribution(model, data, test) };
    }

    // Gradient x input of the summed prediction w.r.t. the node features after each block, |g*x| summed over the
    // block's columns and averaged over atoms: how much each order contributes to the output at that depth.
    private static List<AttributionEntry> Attribution(EquivariantModel model, TrainingData data, IReadOnlyList<int> indices)
    {
        var irreps = model.Config.HiddenIrreps;
        int blocks = model.Blocks.Count;
        var sums = new double[blocks, irreps.Count];
        long atoms = 0;
        model.eval();
        for (int start = 0; start < indices.Count; start += 32)
        {
            using var scope = NewDisposeScope();
            var batch = data.Batch(indices.Skip(start).Take(32).ToArray());
            var output = model.ForwardDetailed(batch, null);
            var grads = autograd.grad(new List<Tensor> { output.Prediction }, output.BlockFeatures.ToList(), new List<Tensor> { ones_like(output.Prediction) }, retain_graph: false, allow_unused: true);
            for (int b = 0; b < blocks; b++)
            {
                if (grads[b] is null) continue;
                var gx = (grads[b] * output.BlockFeatures[b]).abs().sum(0L);
                var v = gx.data<float>().ToArray();
                for (int i = 0; i < irreps.Count; i++)
                {
                    var (s, len) = irreps.Slice(i);
                    for (int k = s; k < s + len; k++) sums[b, i] += v[k];
                }
            }
            atoms += batch.AtomCount;
        }
        var list = new List<AttributionEntry>();
        for (int b = 0; b < blocks; b++)
            for (int i = 0; i < irreps.Count; i++)
                list.Add(new AttributionEntry { Layer = b == blocks - 1 ? AblationFile.FinalLayer : $"block_{b}", L = irreps[i].Irrep.L, Value = sums[b, i] / Math.Max(1, atoms) });
        return list;
    }

    /// <summary>Writes a float32 C-order .npy (format version 1.0).</summary>
    public static void WriteNpy(string path, float[] data, int rows, int cols)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int total = 10 + header.Length + 1;
        int pad = (64 - total % 64) % 64;
        header = header + new string(' ', pad) + "\n";
        using var f = File.Create(path);
        f.WriteByte(0x93);
        f.Write(Encoding.ASCII.GetBytes("NUMPY"));
        f.WriteByte(1);
        f.WriteByte(0);
        var hb = Encoding.ASCII.GetBytes(header);
        f.WriteByte((byte)(hb.Length & 0xff));
        f.WriteByte((byte)(hb.Length >> 8));
        f.Write(hb);
        f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
