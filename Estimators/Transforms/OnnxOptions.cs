namespace MLNetAttn.Estimators;

/// <summary>
/// Options of <see cref="OnnxTransformer"/> (ML.NET's <c>OnnxOptions</c>). Column names are the model's tensor
/// names: each input column feeds the tensor of the same name, each output column receives one.
/// </summary>
public sealed record OnnxOptions
{
    /// <summary>The .onnx file; give this or <see cref="ModelBytes"/>.</summary>
    public string? ModelFile { get; init; }

    /// <summary>The serialized model; give this or <see cref="ModelFile"/>.</summary>
    public byte[]? ModelBytes { get; init; }

    /// <summary>Input tensors (= column names); null = all of the model's inputs.</summary>
    public IReadOnlyList<string>? InputColumns { get; init; }

    /// <summary>Output tensors (= column names); null = all of the model's outputs.</summary>
    public IReadOnlyList<string>? OutputColumns { get; init; }

    /// <summary>
    /// CUDA device to run on; null = CPU. Default = null. CUDA needs the GPU build of ONNX Runtime: the application
    /// references the Microsoft.ML.OnnxRuntime.Gpu package (the version of Microsoft.ML.OnnxRuntime.Managed; CUDA 13 and
    /// cuDNN 9 for 1.32), whose natives then replace the CPU ones this library brings by default (see
    /// <see cref="MLNetAttn.Transforms.Onnx.OnnxSessionOptions.GpuDeviceId"/>).
    /// </summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>
    /// When the GPU cannot be used: true = run on CPU (the reason is logged), false = throw an
    /// <see cref="MLNetAttn.Transforms.Onnx.OnnxRuntimeException"/> naming the package or library to install.
    /// Default = false, as in ML.NET.
    /// </summary>
    public bool FallbackToCpu { get; init; }

    /// <summary>Rows per model run. Default = 16. The pipeline streams batches of this size unless told otherwise.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Threads inside one operator; 0 = the runtime picks. Default = 0.</summary>
    public int IntraOpNumThreads { get; init; }

    /// <summary>Threads across operators; 0 = the runtime picks. Default = 0.</summary>
    public int InterOpNumThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's idle intra-op threads busy-wait between the operators of a run
    /// (<see cref="MLNetAttn.Transforms.Onnx.OnnxSessionOptions.AllowSpinning"/>). Default = true. The threads stop
    /// spinning when a run returns (<see cref="MLNetAttn.Transforms.Onnx.OnnxSessionOptions.StopSpinningAfterRun"/>,
    /// always set here), so the work between runs, decoding the next batch, gets the cores; without that stop the
    /// threads spin on for about 120 ms after each run. On 2 cores (batch 32, 2 intra-op threads, 300 photos,
    /// decoding taking turns with inference) spinning inside runs gave 0.3–1.7 % more images/s than false for
    /// shvit_s4, efficientvit_b1 and cloformer_xxs (medians of 5 interleaved rounds; Benchmarks/README.md). Set false
    /// when other work shares the cores while the model runs (rows prepared ahead on the same cores, other processes).
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    internal void Validate()
    {
        if ((ModelFile is null) == (ModelBytes is null))
            throw new ArgumentException("Give either ModelFile or ModelBytes (exactly one).");
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpNumThreads, nameof(IntraOpNumThreads));
        ArgumentOutOfRangeException.ThrowIfNegative(InterOpNumThreads, nameof(InterOpNumThreads));
        if (GpuDeviceId is < 0)
            throw new ArgumentOutOfRangeException(nameof(GpuDeviceId), GpuDeviceId, "A CUDA device id is 0 or more; use null for CPU.");
    }
}
