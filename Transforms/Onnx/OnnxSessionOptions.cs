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
    /// The CUDA device to run on, or null for CPU. Default = null. Needs an ONNX Runtime build with the CUDA
    /// provider (see <see cref="Native.NativeRuntimeOptions.OnnxRuntimePath"/>); the bundled build is CPU only.
    /// </summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>
    /// When CUDA was requested but cannot be used: true = log a warning with the runtime's reason and run on
    /// CPU (see <see cref="OnnxSession.ExecutionProvider"/> and <see cref="OnnxSession.FallbackReason"/>);
    /// false = throw <see cref="OnnxRuntimeException"/>. Default = true.
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

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
    }
}
