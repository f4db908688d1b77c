namespace MLNetAttn.Zoo;

/// <summary>The architecture families the zoo converts.</summary>
public enum ModelFamily
{
    /// <summary>SHViT, single-head vision transformer (Yun and Ro, CVPR 2024).</summary>
    Shvit,
    /// <summary>EfficientViT from MIT HAN Lab, multi-scale linear attention (Cai et al., ICCV 2023).</summary>
    EfficientVit,
    /// <summary>CloFormer, context-aware local enhancement (Fan et al., 2023).</summary>
    CloFormer,
}

/// <summary>Resampling kernel used by a model's eval transform; names follow timm and PIL.</summary>
public enum Interpolation
{
    /// <summary>Nearest neighbour.</summary>
    Nearest,
    /// <summary>Bilinear (triangle filter, antialiased when downscaling, as PIL does).</summary>
    Bilinear,
    /// <summary>Bicubic (a = -0.5, antialiased when downscaling, as PIL does).</summary>
    Bicubic,
    /// <summary>Lanczos, 3 lobes.</summary>
    Lanczos,
}

/// <summary>
/// One pretrained configuration of a model (timm's pretrained config): the eval preprocessing it was
/// scored with, where its official checkpoint lives, and its published figures.
/// </summary>
/// <remarks>
/// Cards are named <c>arch.tag</c> as in timm (<c>shvit_s4.in1k</c>, <c>efficientvit_b1.r256_in1k</c>);
/// <see cref="Architecture"/> alone names the default tag. The source of each value is
/// Tests/Reference/FACTS.md, which cites the official file it came from.
/// </remarks>
public sealed record ModelCard
{
    /// <summary>Architecture variant, e.g. <c>shvit_s4</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>Pretrained tag, e.g. <c>in1k</c> or <c>r256_in1k</c>.</summary>
    public required string Tag { get; init; }

    /// <summary>The family the variant belongs to.</summary>
    public required ModelFamily Family { get; init; }

    /// <summary><c>arch.tag</c>.</summary>
    public string Name => $"{Architecture}.{Tag}";

    /// <summary>Eval input height and width (square for every card so far).</summary>
    public required int InputSize { get; init; }

    /// <summary>Shorter side the image is resized to before the centre crop, exactly as the official eval computes it.</summary>
    public required int ResizeSize { get; init; }

    /// <summary>crop_pct as timm names it: <see cref="InputSize"/> / <see cref="ResizeSize"/> before rounding.</summary>
    public required double CropPct { get; init; }

    /// <summary>Resampling kernel of the eval resize.</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bicubic;

    /// <summary>Per-channel mean (RGB, 0..1 scale). Default = ImageNet's.</summary>
    public IReadOnlyList<float> Mean { get; init; } = ImageNetMean;

    /// <summary>Per-channel standard deviation (RGB, 0..1 scale). Default = ImageNet's.</summary>
    public IReadOnlyList<float> Std { get; init; } = ImageNetStd;

    /// <summary>Number of classes of the classifier.</summary>
    public int NumClasses { get; init; } = 1000;

    /// <summary>Official checkpoint URL, or null when no weights are released.</summary>
    public string? Url { get; init; }

    /// <summary>
    /// SHA-256 pin of the checkpoint, or null when the publisher gives none (the converter then records
    /// the hash it computed in the ONNX metadata, so a model can always be traced to its bytes).
    /// </summary>
    public string? Sha256 { get; init; }

    /// <summary>Key holding the state_dict in the official checkpoint (<c>model</c>, <c>state_dict</c>), or null for a bare state_dict.</summary>
    public string? CheckpointKey { get; init; }

    /// <summary>True when the authors published pretrained weights for this card.</summary>
    public bool WeightsReleased => Url is not null;

    /// <summary>Published ImageNet-1k top-1 accuracy (%), or null when none is published.</summary>
    public double? Top1 { get; init; }

    /// <summary>Exact number of trainable parameters of the official module.</summary>
    public required long Parameters { get; init; }

    /// <summary>Multiply-accumulates per image at <see cref="InputSize"/>, in billions.</summary>
    public double? GMacs { get; init; }

    /// <summary>Licence of the code and weights (SPDX identifier).</summary>
    public required string License { get; init; }

    /// <summary>Paper (arXiv identifier).</summary>
    public required string Paper { get; init; }

    /// <summary>Official repository.</summary>
    public required string Origin { get; init; }

    /// <summary>Anything a user should know, e.g. that no weights are released.</summary>
    public string? Notes { get; init; }

    /// <summary>
    /// The shorter side to resize to before a centre crop of <paramref name="resolution"/>, rounded as the
    /// family's official eval script rounds it (EfficientViT: ceil(size / crop); SHViT and CloFormer:
    /// int(256 / 224 * size)). At the card's own size this is <see cref="ResizeSize"/>.
    /// </summary>
    public int ResizeSizeFor(int resolution) => resolution == InputSize
        ? ResizeSize
        : Family == ModelFamily.EfficientVit ? (int)Math.Ceiling(resolution / CropPct) : (int)(256.0 / 224.0 * resolution);

    /// <summary>ImageNet mean (0.485, 0.456, 0.406).</summary>
    public static readonly IReadOnlyList<float> ImageNetMean = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet standard deviation (0.229, 0.224, 0.225).</summary>
    public static readonly IReadOnlyList<float> ImageNetStd = [0.229f, 0.224f, 0.225f];
}
