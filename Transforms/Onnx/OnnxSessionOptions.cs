namespace MLNetAttn.Transforms.Onnx;

/// <summary>How much ONNX Runtime rewrites the graph before running it (<c>GraphOptimizationLevel</c>).</summary>
public enum GraphOptimizationLevel
{
    /// <summary>No rewriting.</summary>
    DisableAll = 0,
    /// <summary>Semantics-preserving rewrites such as constant folding and redundant node removal.</summary>
    Basic = 1,
    /// <summary>Basic plus node fusions.</summary>
    Extended = 2,
    /// <summary>Everything, including layout optimizations (the runtime's default).</summary>
    All = 99,
}

/// <summary>Whether independent graph branches run one after another or at once (<c>ExecutionMode</c>).</summary>
public enum ExecutionMode
{
    /// <summary>One operator at a time (each may still use many threads); the runtime's default.</summary>
    Sequential = 0,
    /// <summary>Independent branches in parallel, on the inter-op thread pool.</summary>
    Parallel = 1,
}

/// <summary>Options for loading an <see cref="OnnxSession"/>. Every property has the documented default.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>A shared instance with every default.</summary>
    public static OnnxSessionOptions Default { get; } = new();

    /// <summary>Threads used inside one operator. Default = 0 (the runtime picks: one per physical core).</summary>
    public int IntraOpNumThreads { get; init; }

    /// <summary>Threads used across operators in <see cref="ExecutionMode.Parallel"/>. Default = 0 (the runtime picks).</summary>
    public int InterOpNumThreads { get; init; }

    /// <summary>Graph rewriting. Default = <see cref="GraphOptimizationLevel.All"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Operator scheduling. Default = <see cref="ExecutionMode.Sequential"/>.</summary>
    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    /// <summary>
    /// The CUDA device to run on, or null for CPU. Default = null. Needs the CUDA build of ONNX Runtime: the application
    /// references the <c>Microsoft.ML.OnnxRuntime.Gpu</c> package (same version as Microsoft.ML.OnnxRuntime.Managed;
    /// CUDA 13 and cuDNN 9 for 1.32), whose natives then replace the CPU ones MLNetAttn.Transforms brings by default.
    /// </summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>
    /// When CUDA was requested but cannot be used (the CPU-only package is loaded, CUDA or cuDNN is missing, the device
    /// fails): true = log a warning with the reason under category "OnnxRuntime" and run on CPU (see
    /// <see cref="OnnxSession.ExecutionProvider"/> and <see cref="OnnxSession.FallbackReason"/>); false = throw
    /// <see cref="OnnxRuntimeException"/> saying which package or library to install. Default = true.
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>
    /// Whether idle intra-op threads busy-wait for the next operator (<c>session.intra_op.allow_spinning</c>).
    /// Default = true (the runtime's default): lowest latency when inference has the CPU to itself. Set false
    /// when other CPU work runs beside inference (image decoding on worker threads, other sessions): spinning
    /// threads otherwise take cycles that work needs.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>
    /// Whether spinning intra-op threads stop the moment a run returns (<c>session.force_spinning_stop</c>) instead of
    /// busy-waiting on for the next one. Default = false (the runtime's default). Set true when other CPU work runs
    /// between runs: with <see cref="AllowSpinning"/> the threads then spin inside a run, where it speeds up each
    /// parallel operator, and leave the cores to the work between runs (the pipeline decoding the next batch).
    /// </summary>
    public bool StopSpinningAfterRun { get; init; }

    /// <summary>
    /// Further session configuration entries passed to <c>AddSessionConfigEntry</c> as they are, or null for none
    /// (keys and values as listed in ONNX Runtime's <c>onnxruntime_session_options_config_keys.h</c>). Default = null.
    /// Applied after <see cref="AllowSpinning"/> and <see cref="StopSpinningAfterRun"/>, so an entry here for the same key wins. A key or value the runtime
    /// rejects surfaces as <see cref="OnnxRuntimeException"/> when the session is created: an empty key at once, a
    /// malformed value for keys the runtime parses (such as <c>session.intra_op_thread_affinities</c>) while loading.
    /// The runtime does not check every value: an unknown key, or a value other than "0"/"1" for a switch such as
    /// <see cref="AllowSpinningKey"/>, is accepted silently, so spell them as the header does.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ConfigEntries { get; init; }

    /// <summary>The runtime's key for <see cref="AllowSpinning"/>.</summary>
    public const string AllowSpinningKey = "session.intra_op.allow_spinning";

    /// <summary>The runtime's key for <see cref="StopSpinningAfterRun"/>.</summary>
    public const string StopSpinningAfterRunKey = "session.force_spinning_stop";

    /// <summary>Checks the values; called when a session is created.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpNumThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(InterOpNumThreads);
        if (!Enum.IsDefined(GraphOptimizationLevel))
            throw new ArgumentOutOfRangeException(nameof(GraphOptimizationLevel), GraphOptimizationLevel, "Use one of DisableAll, Basic, Extended, All.");
        if (!Enum.IsDefined(ExecutionMode))
            throw new ArgumentOutOfRangeException(nameof(ExecutionMode), ExecutionMode, "Use Sequential or Parallel.");
        if (GpuDeviceId is < 0)
            throw new ArgumentOutOfRangeException(nameof(GpuDeviceId), GpuDeviceId, "A CUDA device id is 0 or more; use null for CPU.");
        if (ConfigEntries is not null)
            foreach (var (key, value) in ConfigEntries)
                if (key is null || value is null || key.Contains('\0') || value.Contains('\0'))
                    throw new ArgumentException($"Config entry '{key}' = '{value}' is null or holds a NUL character; pass plain text keys and values.", nameof(ConfigEntries));
    }
}
