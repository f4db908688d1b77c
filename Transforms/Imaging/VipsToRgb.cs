using System.Buffers;
using System.Runtime.CompilerServices;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Turns a loaded libvips image into a 3-band 8-bit sRGB <see cref="RgbImage"/>, writing libvips' output
/// straight into the pooled buffer (no intermediate copy). Each intermediate image is added to
/// <c>chain</c>, which the caller disposes.
/// </summary>
internal static class VipsToRgb
{
    public static RgbImage Convert(VipsImage image, List<VipsImage> chain, ImageDecodeOptions options)
    {
        VipsImage Step(VipsImage next)
        {
            chain.Add(next);
            return next;
        }

        if (options.AutoRotate && image.Orientation != 1)
        {
            // A sequential load cannot be read in the transposed order a rotation needs; take it into memory
            // first (bounded by MaxPixels, already checked).
            image = Step(image.CopyMemory(decode: true));
            image = Step(image.Autorot());
        }

        if (options.ApplyIccProfile && image.HasField("icc-profile-data"))
            image = Step(image.IccTransform("srgb"));
        else if (image.Interpretation == VipsInterpretation.Cmyk && image.Format == VipsBandFormat.UChar && image.Bands >= 4)
            return NaiveCmyk(image, chain);

        image = ToSrgb(image, Step);

        if (image.Bands > 3)
        {
            image = options.Background is { } background
                ? Step(image.Flatten(background.ToArray(image.Format == VipsBandFormat.UShort ? 257 : 1)))
                : Step(image.ExtractBand(0, 3));
        }
        if (image.Format != VipsBandFormat.UChar)
            image = Step(image.Cast(VipsBandFormat.UChar));
        if (image.Bands != 3)
            throw new ImageDecodeException(image.Source, "colourspace",
                $"Image '{image.Source}' has {image.Bands} bands after conversion to sRGB; expected 3.");

        return WriteRgb(image);
    }

    private static VipsImage ToSrgb(VipsImage image, Func<VipsImage, VipsImage> step)
    {
        var interpretation = image.Interpretation;
        if (interpretation is VipsInterpretation.Multiband or VipsInterpretation.Rgb or VipsInterpretation.Histogram
            or VipsInterpretation.Matrix or VipsInterpretation.Fourier)
        {
            // Untagged bands: read 1-2 bands as grey(+alpha), 3+ as RGB(+alpha), 16-bit when the samples are.
            var wide = image.Format is VipsBandFormat.UShort or VipsBandFormat.Short;
            var guess = image.Bands <= 2
                ? wide ? VipsInterpretation.Grey16 : VipsInterpretation.BW
                : wide ? VipsInterpretation.Rgb16 : VipsInterpretation.Srgb;
            if (!wide && image.Format != VipsBandFormat.UChar)
                image = step(image.Cast(VipsBandFormat.UChar));
            image = step(image.SetInterpretation(guess));
        }
        return image.Interpretation == VipsInterpretation.Srgb && image.Format == VipsBandFormat.UChar
            ? image
            : step(image.Colourspace("srgb"));
    }

    private static unsafe RgbImage WriteRgb(VipsImage image)
    {
        var rgb = RgbImage.Allocate(image.Width, image.Height);
        try
        {
            fixed (byte* destination = rgb.Buffer)
                image.WriteTo(destination, (nuint)rgb.Length, decode: true);
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
    private static unsafe RgbImage NaiveCmyk(VipsImage image, List<VipsImage> chain)
    {
        if (image.Bands > 4)
        {
            image = image.ExtractBand(0, 4);
            chain.Add(image);
        }
        var width = image.Width;
        var height = image.Height;
        var cmykLength = checked(width * height * 4);
        var cmyk = ArrayPool<byte>.Shared.Rent(cmykLength);
        try
        {
            fixed (byte* source = cmyk)
                image.WriteTo(source, (nuint)cmykLength, decode: true);
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
