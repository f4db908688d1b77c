namespace MLNetAttn.Zoo.Architectures;

/// <summary>How <see cref="ModelConverter"/> writes a model.</summary>
public sealed record ExportOptions
{
    /// <summary>Square input resolution; null = the model card's input size (or the variant's default).</summary>
    public int? Resolution { get; init; }

    /// <summary>Store weights as float16 (half the file); computation stays float32. Default = false.</summary>
    public bool Fp16Weights { get; init; }

    /// <summary>Also expose the named stage outputs (for segmentation and detection heads). Default = false.</summary>
    public bool Features { get; init; }

    /// <summary>ONNX opset. Default = 17.</summary>
    public int Opset { get; init; } = Onnx.GraphBuilder.DefaultOpset;

    /// <summary>Throws when a checkpoint holds tensors the architecture does not use. Default = true.</summary>
    public bool RequireAllWeights { get; init; } = true;
}
