using System.Runtime.CompilerServices;

namespace MLNetAttn.Transforms.Tensors;

/// <summary>
/// Rearranges interleaved 8-bit RGB pixels (HWC) into byte planes (CHW) without changing their values: the input
/// of a graph that takes uint8 pixels and normalizes them itself (a converter export with <c>Uint8Input</c>).
/// A byte tensor is a quarter of the float one, so the host writes and the runtime reads four times less.
/// </summary>
public static class PixelPlanes
{
    /// <summary>
    /// Writes one image: <paramref name="rgb"/> holds <paramref name="height"/> rows of <paramref name="width"/> RGB
    /// pixels, each row starting <paramref name="stride"/> bytes after the previous one; <paramref name="chw"/> receives
    /// three planes of height × width bytes in <paramref name="order"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering
    public static void ToPlanar(ReadOnlySpan<byte> rgb, int width, int height, int stride, Span<byte> chw, ColorOrder order = ColorOrder.Rgb)
    {
        Check(rgb.Length, width, height, stride, chw.Length);
        var plane = width * height;
        var first = order == ColorOrder.Bgr ? 2 : 0;
        var last = 2 - first;
        for (var y = 0; y < height; y++)
        {
            var row = rgb.Slice(y * stride, width * 3);
            var p0 = chw.Slice(y * width, width);
            var p1 = chw.Slice(plane + y * width, width);
            var p2 = chw.Slice(2 * plane + y * width, width);
            for (int x = 0, i = 0; x < row.Length; x += 3, i++)
            {
                p0[i] = row[x + first];
                p1[i] = row[x + 1];
                p2[i] = row[x + last];
            }
        }
    }

    /// <summary>Writes one image interleaved (HWC bytes, rows packed), swapping red and blue for <see cref="ColorOrder.Bgr"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToInterleaved(ReadOnlySpan<byte> rgb, int width, int height, int stride, Span<byte> hwc, ColorOrder order = ColorOrder.Rgb)
    {
        Check(rgb.Length, width, height, stride, hwc.Length);
        for (var y = 0; y < height; y++)
        {
            var row = rgb.Slice(y * stride, width * 3);
            var output = hwc.Slice(y * width * 3, width * 3);
            if (order == ColorOrder.Rgb)
            {
                row.CopyTo(output);
                continue;
            }
            for (var x = 0; x < row.Length; x += 3)
            {
                output[x] = row[x + 2];
                output[x + 1] = row[x + 1];
                output[x + 2] = row[x];
            }
        }
    }

    private static void Check(int inputLength, int width, int height, int stride, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (stride < width * 3)
            throw new ArgumentOutOfRangeException(nameof(stride), $"stride {stride} is shorter than a row of {width} RGB pixels ({width * 3} bytes).");
        if (inputLength < (long)stride * (height - 1) + width * 3)
            throw new ArgumentException($"{inputLength} bytes cannot hold {width}x{height} RGB pixels with stride {stride}.");
        if (outputLength < 3L * width * height)
            throw new ArgumentException($"the output holds {outputLength} bytes; 3x{height}x{width} = {3L * width * height} are needed.");
    }
}
