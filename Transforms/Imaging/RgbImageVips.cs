using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Runs libvips over an <see cref="RgbImage"/>'s pooled buffer without copying it: the buffer is pinned
/// for the duration of the callback and wrapped with <c>vips_image_new_from_memory</c>. The callback must
/// finish all pixel work (e.g. write the result into another buffer) before returning, and only uncached
/// operations may be used (the default of <see cref="VipsOperation"/>), so nothing refers to the buffer
/// afterwards.
/// </summary>
internal static class RgbImageVips
{
    public static unsafe T Borrow<T>(RgbImage image, string name, Func<VipsImage, T> work)
    {
        fixed (byte* pixels = image.Buffer)
        {
            using var wrapped = VipsImage.FromMemory(pixels, (nuint)image.Length, image.Width, image.Height, RgbImage.Channels, VipsBandFormat.UChar, name);
            using var srgb = wrapped.SetInterpretation(VipsInterpretation.Srgb, decode: false);
            return work(srgb);
        }
    }

    /// <summary>Computes a 3-band 8-bit image's pixels into a new pooled <see cref="RgbImage"/>.</summary>
    public static unsafe RgbImage ToRgbImage(VipsImage image)
    {
        if (image.Bands != 3 || image.Format != VipsBandFormat.UChar)
            throw new VipsException(image.Source, "write", $"Expected a 3-band 8-bit image from libvips, got {image.Bands} bands of {image.Format}.");
        var rgb = RgbImage.Allocate(image.Width, image.Height);
        try
        {
            fixed (byte* destination = rgb.Buffer)
                image.WriteTo(destination, (nuint)rgb.Length, decode: false);
            return rgb;
        }
        catch
        {
            rgb.Dispose();
            throw;
        }
    }
}
