namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Keys of the model metadata (ONNX <c>metadata_props</c>) the model zoo writes, so that a scorer can
/// preprocess images as the checkpoint expects. Values are strings; lists are comma-separated.
/// </summary>
public static class OnnxMetadataKeys
{
    /// <summary>The timm-style model name, for example "shvit_s4.in1k".</summary>
    public const string ModelName = "model_name";

    /// <summary>The architecture family, for example "shvit".</summary>
    public const string Family = "family";

    /// <summary>Input resolution as "height,width".</summary>
    public const string Resolution = "resolution";

    /// <summary>Per-channel mean as "r,g,b" on the 0..1 scale.</summary>
    public const string Mean = "mean";

    /// <summary>Per-channel standard deviation as "r,g,b" on the 0..1 scale.</summary>
    public const string Std = "std";

    /// <summary>Resize interpolation, for example "bicubic".</summary>
    public const string Interpolation = "interpolation";

    /// <summary>Center-crop fraction, for example "0.875".</summary>
    public const string CropPct = "crop_pct";

    /// <summary>Lower-case hex SHA-256 of the checkpoint file the weights came from.</summary>
    public const string SourceSha256 = "source_sha256";

    /// <summary>
    /// What the graph input <c>input</c> takes: <see cref="InputFormatFloatNormalized"/> or
    /// <see cref="InputFormatUint8Rgb"/>. Always written by the converter.
    /// </summary>
    public const string InputFormat = "input_format";

    /// <summary><see cref="InputFormat"/> value: float32 [batch, 3, H, W] already normalized ((v/255 - mean)/std per channel).</summary>
    public const string InputFormatFloatNormalized = "float_normalized";

    /// <summary>
    /// <see cref="InputFormat"/> value: uint8 [batch, 3, H, W], RGB planar 0..255 (the resized, cropped bytes); the
    /// graph normalizes with the <see cref="Mean"/> and <see cref="Std"/> it records.
    /// </summary>
    public const string InputFormatUint8Rgb = "uint8_rgb";
}
