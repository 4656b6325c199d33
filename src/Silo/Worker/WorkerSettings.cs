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
    /// <summary>Folder for attempt working files (spec, result); default: <c>TEMP/equigrid-work/SERVICE</c>.</summary>
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
    /// <summary>
    /// Accelerators this node declares instead of detecting and measuring them (tests, or a node whose figures are
    /// known), e.g. <c>EquiGrid:Worker:Accelerators:0:Name=H100</c>, <c>:Kind=gpu</c>, <c>:MemoryGiB=80</c>,
    /// <c>:MoleculesPerSecond=5000</c>. Empty: the CPU is reported with its measured rate.
    /// </summary>
    public List<AcceleratorSettings> Accelerators { get; set; } = [];
    /// <summary>
    /// Measure the training rate of the reference trial on the CPU and on each CUDA device when the worker starts (a
    /// few seconds of training each, in the background; the CPU in the silo, each GPU in a trial-runner child process);
    /// null: on the cluster profile only, where placement compares nodes.
    /// </summary>
    public bool? MeasureThroughput { get; set; }
    /// <summary>Timed training steps of each measurement (batch 32, after one warm-up step).</summary>
    public int MeasureSteps { get; set; } = NodeAccelerators.MeasureSteps;
    /// <summary>Default of <see cref="MeasureTimeoutSeconds"/>.</summary>
    public const double DefaultMeasureTimeoutSeconds = 300;
    /// <summary>
    /// How long a GPU's measuring child may run (start, kernel compilation, data, warm-up and timed steps) before it is
    /// killed with its own processes and the GPU is reported with rate 0 (unknown).
    /// </summary>
    public double MeasureTimeoutSeconds { get; set; } = DefaultMeasureTimeoutSeconds;

    /// <summary>
    /// The folder holding this node's attempt folders: <c>WorkDir/NODE</c>. A worker removes what it finds there when it
    /// starts (leftovers of a SIGKILLed predecessor), so the folder must belong to this node alone: node names are
    /// unique within a cluster only, so the default folder is per service (two clusters on one host, each with a
    /// "silo0", would otherwise delete each other's running attempts).
    /// </summary>
    public string WorkRoot(string serviceId, string node) =>
        Path.Combine(WorkDir ?? Path.Combine(Path.GetTempPath(), "equigrid-work", SafeName(serviceId)), SafeName(node));

    private static string SafeName(string name)
    {
        var safe = string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return safe.Trim('.').Length == 0 ? "_" + safe.Length : safe; // never "", "." or ".."
    }
}

/// <summary>One declared accelerator (section "EquiGrid:Worker:Accelerators:N").</summary>
public sealed class AcceleratorSettings
{
    /// <summary>Model name.</summary>
    public string? Name { get; set; }
    /// <summary>"cpu" or "gpu".</summary>
    public string Kind { get; set; } = "cpu";
    /// <summary>Memory a trial may use on it, in GiB (host memory for a CPU).</summary>
    public double MemoryGiB { get; set; }
    /// <summary>Training rate of the reference trial (L = [0,1,2], h = 32, batch 32), molecules/s; 0 = unknown.</summary>
    public double MoleculesPerSecond { get; set; }
}
