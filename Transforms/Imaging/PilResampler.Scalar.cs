using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// The scalar passes: the reference arithmetic (one int32 sum per channel starting at 2^21, shifted right by 22,
/// clamped). The vector passes hand their tails here, so both produce the same bytes.
/// </summary>
internal static partial class PilResampler
{
    private static byte Clip8(int value)
    {
        var shifted = value >> PrecisionBits;
        return (byte)Math.Clamp(shifted, 0, 255);
    }

    private static void Horizontal(ReadOnlySpan<byte> source, int inWidth, int firstRow, Span<byte> destination, int outWidth, int rows, Coefficients c, bool vectorize)
    {
        if (vectorize && Vector128.IsHardwareAccelerated)
            HorizontalVector(source, inWidth, firstRow, destination, outWidth, rows, c);
        else
            HorizontalScalar(source, inWidth, firstRow, destination, outWidth, rows, c);
    }

    private static void Vertical(ReadOnlySpan<byte> source, int width, Span<byte> destination, int outHeight, Coefficients c, int rowOffset, bool vectorize)
    {
        if (vectorize && Vector128.IsHardwareAccelerated)
            VerticalVector(source, width, destination, outHeight, c, rowOffset);
        else
            VerticalScalar(source, width, destination, outHeight, c, rowOffset);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void HorizontalScalar(ReadOnlySpan<byte> source, int inWidth, int firstRow, Span<byte> destination, int outWidth, int rows, Coefficients c)
    {
        var inStride = inWidth * 3;
        var outStride = outWidth * 3;
        for (var y = 0; y < rows; y++)
        {
            var row = source.Slice((y + firstRow) * inStride, inStride);
            var outRow = destination.Slice(y * outStride, outStride);
            for (var xx = 0; xx < outWidth; xx++)
                HorizontalPixelScalar(row, outRow, xx, c);
        }
    }

    // Kept out of line: the vector pass calls it only for the few pixels whose 16-byte loads would run past the source.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HorizontalPixelScalar(ReadOnlySpan<byte> row, Span<byte> outRow, int xx, Coefficients c)
    {
        var xmin = c.Bounds[xx * 2];
        var count = c.Bounds[xx * 2 + 1];
        var weights = c.Weights.AsSpan(xx * c.KSize, count);
        int r = 1 << (PrecisionBits - 1), g = r, b = r;
        var p = xmin * 3;
        for (var x = 0; x < count; x++, p += 3)
        {
            var w = weights[x];
            r += row[p] * w;
            g += row[p + 1] * w;
            b += row[p + 2] * w;
        }
        outRow[xx * 3] = Clip8(r);
        outRow[xx * 3 + 1] = Clip8(g);
        outRow[xx * 3 + 2] = Clip8(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void VerticalScalar(ReadOnlySpan<byte> source, int width, Span<byte> destination, int outHeight, Coefficients c, int rowOffset)
    {
        var stride = width * 3;
        for (var yy = 0; yy < outHeight; yy++)
        {
            var ymin = c.Bounds[yy * 2] - rowOffset;
            var weights = c.Weights.AsSpan(yy * c.KSize, c.Bounds[yy * 2 + 1]);
            VerticalRowScalar(source, stride, destination.Slice(yy * stride, stride), ymin, weights, 0);
        }
    }

    /// <summary>One output row from byte <paramref name="from"/> to its end; the vector passes call it for their tails.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void VerticalRowScalar(ReadOnlySpan<byte> source, int stride, Span<byte> outRow, int ymin, ReadOnlySpan<int> weights, int from)
    {
        for (var i = from; i < stride; i++)
        {
            var sum = 1 << (PrecisionBits - 1);
            var p = ymin * stride + i;
            for (var y = 0; y < weights.Length; y++, p += stride)
                sum += source[p] * weights[y];
            outRow[i] = Clip8(sum);
        }
    }
}
