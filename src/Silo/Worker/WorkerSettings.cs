namespace EquiGrid.Silo.Worker;

/// <summary>Worker settings, section "EquiGrid:Worker".</summary>
public sealed class WorkerSettings
{
    /// <summary>Run a worker in this silo (a silo can also be a pure coordinator).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Node name; default: host name plus the silo port.</summary>
    public string? NodeName { get; set; }
    /// <summary>Trials run at once.</summary>
    public int Slots { get; set; } = 1;
    /// <summary>Torch threads per trial (default: cores / slots).</summary>
    public int? Threads { get; set; }
    /// <summary>How often an idle worker asks for work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Path of EquiGrid.TrialRunner.dll; default: next to the host's assemblies.</summary>
    public string? RunnerPath { get; set; }
    /// <summary>Folder for attempt working files (spec, result).</summary>
    public string? WorkDir { get; set; }
    /// <summary>
    /// Folder under which each finished trial writes its analysis folder (<c>STUDY/TRIAL/</c>: result.json,
    /// metrics.jsonl, embeddings/ with ablation.json), the layout <c>equigrid report</c> reads; null writes none on the embedded profile. On the cluster
    /// profile every trial's folder is also uploaded to the blob container (<c>results/STUDY/TRIAL/</c>, fetched with
    /// <c>equigrid pull</c>); there null means attempt scratch space, deleted with the attempt after the upload.
    /// </summary>
    public string? ResultsDir { get; set; }
    /// <summary>Measured bench score to advertise (0 = unknown).</summary>
    public double BenchScore { get; set; }
}
