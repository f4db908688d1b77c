using System.Buffers;
using System.Runtime.CompilerServices;
using NetVips;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Turns a loaded libvips image into a 3-band 8-bit sRGB <see cref="RgbImage"/>, writing libvips' output
/// straight into the pooled buffer (no intermediate copy). Each intermediate image is added to
/// <c>chain</c>, which the caller disposes.
/// </summary>
internal static class VipsToRgb
{
    /// <summary>EXIF orientation 1..8 (1 when absent or out of range).</summary>
    public static int Orientation(Image image)
        => image.Contains("orientation") && image.Get("orientation") is int o and >= 1 and <= 8 ? o : 1;

    public static RgbImage Convert(Image image, List<Image> chain, ImageDecodeOptions options, string input, VipsStep step)
    {
        Image Step(string operation, Func<Image> next)
        {
            step.Operation = operation;
            var result = next();
            chain.Add(result);
            return result;
        }

        if (options.AutoRotate && Orientation(image) != 1)
        {
            // A sequential load cannot be read in the transposed order a rotation needs; take it into memory
            // first (bounded by MaxPixels, already checked). libvips' own copy (its thread pool, VipsSettings.Concurrency)
            // carries the header and metadata the next steps read. Only EXIF-rotated images take this step.
            var loaded = image;
            image = Step("copy_memory", () => loaded.CopyMemory());
            var memory = image;
            image = Step("autorot", () => memory.Autorot());
        }

        var current = image;
        if (options.ApplyIccProfile && image.Contains("icc-profile-data"))
            image = Step("icc_transform", () => current.IccTransform("srgb", embedded: true));
        else if (image.Interpretation == Enums.Interpretation.Cmyk && image.Format == Enums.BandFormat.Uchar && image.Bands >= 4)
            return NaiveCmyk(image, chain, step);

        image = ToSrgb(image, Step);

        if (image.Bands > 3)
        {
            var withAlpha = image;
            image = options.Background is { } background
                ? Step("flatten", () => withAlpha.Flatten(background.ToArray(withAlpha.Format == Enums.BandFormat.Ushort ? 257 : 1)))
                : Step("extract_band", () => withAlpha.ExtractBand(0, 3));
        }
        if (image.Format != Enums.BandFormat.Uchar)
        {
            var wide = image;
            image = Step("cast", () => wide.Cast(Enums.BandFormat.Uchar));
        }
        if (image.Bands != 3)
            throw new ImageDecodeException(input, "colourspace",
                $"Image '{input}' has {image.Bands} bands after conversion to sRGB; expected 3.");

        return WriteRgb(image, step);
    }

    private static Image ToSrgb(Image image, Func<string, Func<Image>, Image> step)
    {
        var interpretation = image.Interpretation;
        if (interpretation is Enums.Interpretation.Multiband or Enums.Interpretation.Rgb or Enums.Interpretation.Histogram
            or Enums.Interpretation.Matrix or Enums.Interpretation.Fourier)
        {
            // Untagged bands: read 1-2 bands as grey(+alpha), 3+ as RGB(+alpha), 16-bit when the samples are.
            var wide = image.Format is Enums.BandFormat.Ushort or Enums.BandFormat.Short;
            var guess = image.Bands <= 2
                ? wide ? Enums.Interpretation.Grey16 : Enums.Interpretation.Bw
                : wide ? Enums.Interpretation.Rgb16 : Enums.Interpretation.Srgb;
            if (!wide && image.Format != Enums.BandFormat.Uchar)
            {
                var other = image;
                image = step("cast", () => other.Cast(Enums.BandFormat.Uchar));
            }
            var untagged = image;
            image = step("copy", () => untagged.Copy(interpretation: guess));
        }
        var tagged = image;
        return image.Interpretation == Enums.Interpretation.Srgb && image.Format == Enums.BandFormat.Uchar
            ? image
            : step("colourspace", () => tagged.Colourspace(Enums.Interpretation.Srgb));
    }

    private static RgbImage WriteRgb(Image image, VipsStep step)
    {
        var rgb = RgbImage.Allocate(image.Width, image.Height);
        try
        {
            VipsPixels.WriteTo(image, rgb.Pixels, step);
            return rgb;
        }
        catch
        {
            rgb.Dispose();
            throw;
        }
    }

    /// <summary>
    /// CMYK to RGB exactly as PIL's convert("RGB") does it (no colour management):
    /// R = (255 − K) − round(C × (255 − K) / 255), likewise G from M and B from Y. Extra bands are ignored.
    /// </summary>
    private static RgbImage NaiveCmyk(Image image, List<Image> chain, VipsStep step)
    {
        if (image.Bands > 4)
        {
            step.Operation = "extract_band";
            image = image.ExtractBand(0, 4);
            chain.Add(image);
        }
        var width = image.Width;
        var height = image.Height;
        var cmykLength = checked(width * height * 4);
        var cmyk = ArrayPool<byte>.Shared.Rent(cmykLength);
        try
        {
            VipsPixels.WriteTo(image, cmyk.AsSpan(0, cmykLength), step);
            var rgb = RgbImage.Allocate(width, height);
            CmykToRgb(cmyk.AsSpan(0, cmykLength), rgb.Pixels);
            return rgb;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(cmyk);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    internal static void CmykToRgb(ReadOnlySpan<byte> cmyk, Span<byte> rgb)
    {
        for (int i = 0, o = 0; i < cmyk.Length; i += 4, o += 3)
        {
            var nk = 255 - cmyk[i + 3];
            rgb[o] = (byte)(nk - MulDiv255(cmyk[i], nk));
            rgb[o + 1] = (byte)(nk - MulDiv255(cmyk[i + 1], nk));
            rgb[o + 2] = (byte)(nk - MulDiv255(cmyk[i + 2], nk));
        }
    }

    /// <summary>round(a × b / 255) for a, b in 0..255, with the integer trick PIL uses.</summary>
    private static int MulDiv255(int a, int b)
    {
        var t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
