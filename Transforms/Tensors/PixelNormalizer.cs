using System.Runtime.CompilerServices;

namespace MLNetAttn.Transforms.Tensors;

/// <summary>Channel order of the interleaved pixels a <see cref="PixelNormalizer"/> reads.</summary>
public enum ColorOrder
{
    /// <summary>Red, green, blue (what the decoder produces and what PyTorch models expect).</summary>
    Rgb,
    /// <summary>Blue, green, red (OpenCV-trained models).</summary>
    Bgr,
}

/// <summary>
/// Turns interleaved 8-bit RGB pixels (HWC) into normalized planar floats (CHW), computing exactly what
/// torchvision's eval transform computes: <c>(float(v) / 255 - mean[c]) / std[c]</c> in float32.
/// </summary>
/// <remarks>
/// An 8-bit channel has only 256 values, so each channel's result is precomputed once into a 256-entry
/// table with torchvision's own float32 arithmetic; converting a pixel is then three table loads and
/// three stores. That is bit-identical to PyTorch (a fused multiply-add path would not be) and faster
/// than vectorising the arithmetic, because de-interleaving three 8-bit channels costs more shuffles
/// than the lookups it would replace. Instances are immutable and thread-safe.
/// </remarks>
public sealed class PixelNormalizer
{
    private readonly float[] _table; // 3 x 256, in output channel order

    /// <summary>Creates a normalizer for the given per-channel mean and std (in RGB order, on the 0..1 scale).</summary>
    /// <param name="mean">Per-channel mean, e.g. ImageNet's (0.485, 0.456, 0.406).</param>
    /// <param name="std">Per-channel standard deviation, e.g. ImageNet's (0.229, 0.224, 0.225).</param>
    /// <param name="scale">Multiplies the raw byte before normalization; default 1/255 (torchvision's to-tensor). Use 1 for models that take 0..255.</param>
    /// <param name="order">Order of the channels in the output planes; the input is always RGB.</param>
    public PixelNormalizer(ReadOnlySpan<float> mean, ReadOnlySpan<float> std, float scale = 1f / 255f, ColorOrder order = ColorOrder.Rgb)
    {
        if (mean.Length != 3 || std.Length != 3)
            throw new ArgumentException($"mean and std need 3 values (one per channel); got {mean.Length} and {std.Length}.");
        for (var c = 0; c < 3; c++)
            if (!(std[c] > 0) || !float.IsFinite(std[c]) || !float.IsFinite(mean[c]))
                throw new ArgumentOutOfRangeException(nameof(std), $"channel {c}: mean {mean[c]} and std {std[c]} must be finite, std positive.");

        Mean = mean.ToArray();
        Std = std.ToArray();
        Scale = scale;
        Order = order;
        _table = new float[3 * 256];
        for (var outChannel = 0; outChannel < 3; outChannel++)
        {
            var rgb = order == ColorOrder.Rgb ? outChannel : 2 - outChannel;
            for (var v = 0; v < 256; v++)
            {
                // Same operations, same order, same precision as torchvision: x = v * scale (v / 255 when
                // scale is 1/255 is done as a division there), then (x - mean) / std.
                var x = scale == 1f / 255f ? v / 255f : v * scale;
                _table[outChannel * 256 + v] = (x - mean[rgb]) / std[rgb];
            }
        }
    }

    /// <summary>ImageNet's mean and std, the default of every model in the zoo.</summary>
    public static PixelNormalizer ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Per-channel mean in RGB order.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviation in RGB order.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>The factor applied to raw bytes before normalization.</summary>
    public float Scale { get; }

    /// <summary>Channel order of the output planes.</summary>
    public ColorOrder Order { get; }

    /// <summary>
    /// Writes one image: <paramref name="rgb"/> holds <paramref name="height"/> rows of <paramref name="width"/>
    /// RGB pixels, each row starting <paramref name="stride"/> bytes after the previous one; <paramref name="chw"/>
    /// receives three planes of height × width floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    public void ToPlanar(ReadOnlySpan<byte> rgb, int width, int height, int stride, Span<float> chw)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (stride < width * 3)
            throw new ArgumentOutOfRangeException(nameof(stride), $"stride {stride} is shorter than a row of {width} RGB pixels ({width * 3} bytes).");
        var plane = width * height;
        if (rgb.Length < (long)stride * (height - 1) + width * 3)
            throw new ArgumentException($"{rgb.Length} bytes cannot hold {width}x{height} RGB pixels with stride {stride}.", nameof(rgb));
        if (chw.Length < 3 * plane)
            throw new ArgumentException($"the output holds {chw.Length} floats; 3x{height}x{width} = {3 * plane} are needed.", nameof(chw));

        var r = _table.AsSpan(0, 256);
        var g = _table.AsSpan(256, 256);
        var b = _table.AsSpan(512, 256);
        var swap = Order == ColorOrder.Bgr;
        for (var y = 0; y < height; y++)
        {
            var row = rgb.Slice(y * stride, width * 3);
            var p0 = chw.Slice(y * width, width);
            var p1 = chw.Slice(plane + y * width, width);
            var p2 = chw.Slice(2 * plane + y * width, width);
            // The tables are already in output order; only the byte that feeds planes 0 and 2 changes.
            var first = swap ? 2 : 0;
            var last = swap ? 0 : 2;
            for (int x = 0, i = 0; x < row.Length; x += 3, i++)
            {
                p0[i] = r[row[x + first]];
                p1[i] = g[row[x + 1]];
                p2[i] = b[row[x + last]];
            }
        }
    }

    /// <summary>
    /// Writes one image interleaved (HWC floats), for models exported channels-last.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    public void ToInterleaved(ReadOnlySpan<byte> rgb, int width, int height, int stride, Span<float> hwc)
    {
        if (stride < width * 3 || rgb.Length < (long)stride * (height - 1) + width * 3 || hwc.Length < 3 * width * height)
            throw new ArgumentException($"buffers do not fit {width}x{height} RGB pixels with stride {stride}.");
        var swap = Order == ColorOrder.Bgr;
        for (var y = 0; y < height; y++)
        {
            var row = rgb.Slice(y * stride, width * 3);
            var output = hwc.Slice(y * width * 3, width * 3);
            for (var x = 0; x < row.Length; x += 3)
            {
                output[x] = _table[row[x + (swap ? 2 : 0)]];
                output[x + 1] = _table[256 + row[x + 1]];
                output[x + 2] = _table[512 + row[x + (swap ? 0 : 2)]];
            }
        }
    }
}
