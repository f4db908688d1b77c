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

    /// <summary>CUDA device to run on; null = CPU. Default = null.</summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>When the GPU cannot be used: true = run on CPU (the reason is logged), false = throw. Default = false, as in ML.NET.</summary>
    public bool FallbackToCpu { get; init; }

    /// <summary>Rows per model run. Default = 16. The pipeline streams batches of this size unless told otherwise.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Threads inside one operator; 0 = the runtime picks. Default = 0.</summary>
    public int IntraOpNumThreads { get; init; }

    /// <summary>Threads across operators; 0 = the runtime picks. Default = 0.</summary>
    public int InterOpNumThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's idle intra-op threads busy-wait between operators
    /// (<see cref="MLNetAttn.Transforms.Onnx.OnnxSessionOptions.AllowSpinning"/>). Default = false, unlike the
    /// runtime: the pipeline decodes the next batch on worker threads while the model runs, and spinning threads take
    /// the cores those decoders need. On 2 cores (batch 32, 2 intra-op threads, 2 decode workers, 300 photos) turning
    /// spinning off gave 2–5 % more images per second by the median and 3–6 % by the mean for efficientvit_b1,
    /// shvit_s4 and cloformer_xxs, and was never slower overall. Set true when the model runs with nothing beside it.
    /// </summary>
    public bool AllowSpinning { get; init; }

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
