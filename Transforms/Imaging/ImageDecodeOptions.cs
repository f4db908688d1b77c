namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// How <see cref="ImageDecoder"/> turns an encoded image into 8-bit sRGB pixels. The defaults follow
/// PIL's <c>Image.open(f).convert("RGB")</c> (what timm and torchvision use) except where noted.
/// </summary>
public sealed record ImageDecodeOptions
{
    /// <summary>The defaults, shared.</summary>
    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>
    /// Largest image accepted, in pixels (width × height), checked from the header before any pixel is
    /// decoded, so an oversized or hostile file fails fast without a large allocation.
    /// Default = 100,000,000 (100 megapixels: about 300 MB decoded). PIL warns above 89,478,485 pixels and
    /// refuses above twice that; this limit sits between the two.
    /// </summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>
    /// Largest stream read by <see cref="ImageDecoder.Decode(Stream, string, ImageDecodeOptions?)"/>, in bytes.
    /// The stream is read into a pooled buffer first (libvips then sniffs and decodes from memory).
    /// Default = 256 MiB.
    /// </summary>
    public long MaxStreamBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Rotate and flip according to the EXIF orientation tag so the image comes out upright.
    /// Default = true. (PIL does not do this unless asked with ImageOps.exif_transpose.)
    /// </summary>
    public bool AutoRotate { get; init; } = true;

    /// <summary>
    /// Convert from the embedded ICC profile to sRGB when the file has one. Default = false: the
    /// profile is ignored and the stored values are taken as sRGB, as PIL does; training pipelines see the
    /// same pixels.
    /// </summary>
    public bool ApplyIccProfile { get; init; }

    /// <summary>
    /// Colour that transparent pixels are composited onto. Default = white. Set null to drop the alpha
    /// channel and keep the stored colour under transparent pixels, which is what PIL's convert("RGB") does.
    /// </summary>
    public RgbColor? Background { get; init; } = RgbColor.White;

    /// <summary>
    /// JPEG only: decode at 1/n size with libjpeg's DCT scaling, n = 1, 2, 4 or 8. Default = 1 (off).
    /// Much faster for big photos headed for a small model input, but the pixels differ from a full decode
    /// followed by resizing (what PIL does), so it is opt-in.
    /// </summary>
    public int JpegShrink { get; init; } = 1;

    /// <summary>
    /// JPEG only: decode at the largest 1/n size (n = 8, 4 or 2) whose shorter side is still at least this many
    /// pixels, chosen per image from its header; images too small to shrink decode at full size. Default = null
    /// (off). Set it to the model's resize size (timm's resize_size) so the resampler only ever shrinks: a fast
    /// mode for photos much larger than the model input, with the same caveat as <see cref="JpegShrink"/> (the
    /// pixels differ slightly from PIL's; Benchmarks/RESULTS.md states the cost). Not combined with JpegShrink.
    /// </summary>
    public int? JpegShrinkToShorterSide { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1, nameof(MaxPixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStreamBytes, 1, nameof(MaxStreamBytes));
        if (JpegShrink is not (1 or 2 or 4 or 8))
            throw new ArgumentOutOfRangeException(nameof(JpegShrink), JpegShrink, "JpegShrink must be 1, 2, 4 or 8.");
        if (JpegShrinkToShorterSide is < 1)
            throw new ArgumentOutOfRangeException(nameof(JpegShrinkToShorterSide), JpegShrinkToShorterSide, "JpegShrinkToShorterSide is a side length of at least 1 pixel, or null (off).");
        if (JpegShrinkToShorterSide is not null && JpegShrink != 1)
            throw new ArgumentException("Set JpegShrink (a fixed factor) or JpegShrinkToShorterSide (a factor per image), not both.", nameof(JpegShrinkToShorterSide));
    }
}
