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

    /// <summary>
    /// Write a graph whose input <c>input</c> is uint8 [batch, 3, H, W], RGB planar 0..255 (the resized, cropped
    /// image bytes), instead of normalized float32. The graph casts the bytes to float, subtracts mean·255 per
    /// channel, and has the per-channel 1/(255·std) folded into the weights of the first convolution, which is
    /// exact up to float rounding (its zero padding included: zero after the subtraction is zero after
    /// normalization). Needs the model card's mean and std, so a conversion without a card refuses it. The
    /// metadata key <c>input_format</c> says which kind a graph is. Default = false.
    /// </summary>
    public bool Uint8Input { get; init; }

    /// <summary>Throws when a checkpoint holds tensors the architecture does not use. Default = true.</summary>
    public bool RequireAllWeights { get; init; } = true;
}
