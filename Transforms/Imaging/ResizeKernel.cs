namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Resampling kernels, named as in PIL and timm (<c>interpolation="bicubic"</c>). Results match PIL's
/// <c>Image.resize</c> with the same filter (see <see cref="RgbImageOperations.Resize"/>).
/// </summary>
public enum ResizeKernel
{
    /// <summary>Nearest neighbour (PIL NEAREST): each output pixel copies the source pixel under its centre.</summary>
    Nearest = 0,

    /// <summary>Triangle filter, support 1 (PIL BILINEAR), widened by the scale factor when shrinking.</summary>
    Bilinear = 1,

    /// <summary>Keys cubic with a = −0.5, support 2 (PIL BICUBIC), widened when shrinking.</summary>
    Bicubic = 2,

    /// <summary>Lanczos, 3 lobes (PIL LANCZOS), widened when shrinking.</summary>
    Lanczos = 3,
}
