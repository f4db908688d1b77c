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
}
