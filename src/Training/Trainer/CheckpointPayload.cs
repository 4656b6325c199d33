using System.Text;
using System.Text.Json;
using EquiGrid.Training.Model;
using TorchSharp;
using TorchSharp.Modules;

namespace EquiGrid.Training;

/// <summary>
/// Checkpoint bytes: magic "EQGCKPT1", a length-prefixed JSON header (spec, epoch, batch position, step, partial
/// epoch loss, history), then the model's parameters and the AdamW state in TorchSharp's binary format. The spec in
/// the header must equal the trial's, so a checkpoint can never resume a different configuration.
/// </summary>
internal static class CheckpointPayload
{
    private static readonly byte[] Magic = "EQGCKPT1"u8.ToArray();

    private sealed record Header(TrialSpec Spec, int Epoch, int Position, long Step, double LossSum, int LossCount, List<EpochMetrics> History);

    public static byte[] Write(TrialSpec spec, TrainingState state, EquivariantModel model, OptimizerHelper optimizer)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            var header = JsonSerializer.SerializeToUtf8Bytes(new Header(spec, state.Epoch, state.Position, state.Step, state.LossSum, state.LossCount, state.History));
            w.Write(header.Length);
            w.Write(header);
            model.save(w);
            ((AdamW)optimizer).save_state_dict(w);
        }
        return ms.ToArray();
    }

    public static TrainingState Read(byte[] bytes, TrialSpec spec, EquivariantModel model, OptimizerHelper optimizer)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new CheckpointCorruptException("not an EquiGrid checkpoint (bad magic)");
            int length = r.ReadInt32();
            var header = JsonSerializer.Deserialize<Header>(r.ReadBytes(length)) ?? throw new CheckpointCorruptException("empty checkpoint header");
            // The device is where a trial runs, not what it is: any device resumes any device's checkpoint.
            if (!(header.Spec with { Device = spec.Device }).Equals(spec))
                throw new CheckpointCorruptException($"checkpoint belongs to another trial configuration ({header.Spec.Name}, expected {spec.Name})");
            model.load(r);
            ((AdamW)optimizer).load_state_dict(r);
            return new TrainingState
            {
                Epoch = header.Epoch, Position = header.Position, Step = header.Step,
                LossSum = header.LossSum, LossCount = header.LossCount, History = header.History,
            };
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or InvalidOperationException or IOException)
        {
            throw new CheckpointCorruptException($"checkpoint cannot be decoded: {e.Message}", e);
        }
    }
}
