using NetVips;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Runs libvips over an <see cref="RgbImage"/>'s pooled buffer without copying it: the buffer is pinned
/// for the duration of the callback and wrapped as a libvips memory image. The callback must finish all
/// pixel work (e.g. write the result into another buffer) before returning.
/// </summary>
/// <remarks>
/// The operation cache is off by default (<see cref="VipsSettings.CacheMaxOperations"/>); were it on, an
/// operation it kept would refer to the wrapper image, never read again, since no later call can present
/// the same image as input.
/// </remarks>
internal static class RgbImageVips
{
    /// <summary>Runs <paramref name="work"/> on the pixels of <paramref name="image"/> (sRGB, 8 bits, 3 bands), as one <see cref="VipsCalls"/> piece of work.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="name">The input named in messages.</param>
    /// <param name="work">The libvips work over the wrapped image.</param>
    public static unsafe T Borrow<T>(RgbImage image, string name, Func<Image, VipsStep, T> work)
        => VipsCalls.Run(name, decode: false, step =>
        {
            fixed (byte* pixels = image.Buffer)
            {
                step.Operation = "new_from_memory";
                using var wrapped = Image.NewFromMemory((IntPtr)pixels, (ulong)image.Length, image.Width, image.Height, RgbImage.Channels, Enums.BandFormat.Uchar);
                step.Operation = "copy";
                using var srgb = wrapped.Copy(interpretation: Enums.Interpretation.Srgb);
                return work(srgb, step);
            }
        });

    /// <summary>Computes a 3-band 8-bit image's pixels into a new pooled <see cref="RgbImage"/>.</summary>
    public static RgbImage ToRgbImage(Image image, VipsStep step)
    {
        if (image.Bands != 3 || image.Format != Enums.BandFormat.Uchar)
            throw new InvalidOperationException($"Expected a 3-band 8-bit image from libvips, got {image.Bands} bands of {image.Format}.");
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
}
