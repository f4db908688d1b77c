using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// The vector passes. They keep the reference arithmetic exactly: int32 products of 8-bit samples and 22-bit
/// weights, an int32 sum starting at 2^21, an arithmetic shift by 22 and a clamp to 0..255. With at most a few
/// hundred taps of |w| &lt; 2^23 and samples ≤ 255 no sum overflows, so integer addition in any order gives the
/// scalar result bit for bit. (An int16 multiply-add would need 16-bit weights, which would change the results.)
/// </summary>
internal static partial class PilResampler
{
    // Byte shuffles that widen tap k of a 16-byte load (bytes 3k..3k+2, one RGB pixel) to int32 lanes
    // (R, G, B, 0); an index of 0x80 selects zero.
    private static readonly Vector128<byte> Tap0 = Vector128.Create((byte)0, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> Tap1 = Vector128.Create((byte)3, 0x80, 0x80, 0x80, 4, 0x80, 0x80, 0x80, 5, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> Tap2 = Vector128.Create((byte)6, 0x80, 0x80, 0x80, 7, 0x80, 0x80, 0x80, 8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
    private static readonly Vector128<byte> Tap3 = Vector128.Create((byte)9, 0x80, 0x80, 0x80, 10, 0x80, 0x80, 0x80, 11, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);

    // The same shuffles for two rows at once: the upper 128-bit half reads bytes 16.. (the second row's load), so
    // every index stays within its half and one in-lane byte shuffle serves both rows.
    private static readonly Vector256<byte> PairTap0 = Vector256.Create(Tap0, Tap0 + Vector128.Create((byte)16));
    private static readonly Vector256<byte> PairTap1 = Vector256.Create(Tap1, Tap1 + Vector128.Create((byte)16));
    private static readonly Vector256<byte> PairTap2 = Vector256.Create(Tap2, Tap2 + Vector128.Create((byte)16));
    private static readonly Vector256<byte> PairTap3 = Vector256.Create(Tap3, Tap3 + Vector128.Create((byte)16));

    /// <summary>
    /// Horizontal pass. Each 16-byte load holds four source pixels, each shuffled into (R, G, B, 0) int32 lanes and
    /// multiplied by its broadcast weight, so one vector sum carries all three channels. Where 256-bit vectors are
    /// accelerated, two rows go together (same weights, one row per 128-bit half). Pixels whose last load would run
    /// past the source go to the scalar pixel.
    /// </summary>
    private static void HorizontalVector(ReadOnlySpan<byte> source, int inWidth, int firstRow, Span<byte> destination, int outWidth, int rows, Coefficients c)
    {
        var inStride = inWidth * 3;
        var outStride = outWidth * 3;
        Debug.Assert(source.Length >= (firstRow + rows) * inStride && destination.Length >= rows * outStride);
        var y = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; y + 2 <= rows; y += 2)
                HorizontalRowPair256(source, inStride, (y + firstRow) * inStride, destination.Slice(y * outStride, 2 * outStride), outWidth, c);
        }
        for (; y < rows; y++)
            HorizontalRow128(source, inStride, (y + firstRow) * inStride, destination.Slice(y * outStride, outStride), outWidth, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void HorizontalRow128(ReadOnlySpan<byte> source, int inStride, int rowStart, Span<byte> outRow, int outWidth, Coefficients c)
    {
        var kSize = c.KSize;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        ref var bounds = ref MemoryMarshal.GetArrayDataReference(c.Bounds);
        ref var allWeights = ref MemoryMarshal.GetArrayDataReference(c.Weights);
        var max = Vector128.Create(255);
        for (var xx = 0; xx < outWidth; xx++)
        {
            var xmin = Unsafe.Add(ref bounds, xx * 2);
            var count = Unsafe.Add(ref bounds, xx * 2 + 1);
            var p = rowStart + xmin * 3;
            if (p + 12 * ((count - 1) >> 2) + Vector128<byte>.Count > source.Length)
            {
                HorizontalPixelScalar(source.Slice(rowStart, inStride), outRow, xx, c);
                continue;
            }

            ref var w = ref Unsafe.Add(ref allWeights, xx * kSize);
            var acc = Vector128.Create(1 << (PrecisionBits - 1));
            var x = 0;
            for (; x + 4 <= count; x += 4, p += 12)
            {
                var bytes = Vector128.LoadUnsafe(ref src, (nuint)p);
                acc += Vector128.Shuffle(bytes, Tap0).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x));
                acc += Vector128.Shuffle(bytes, Tap1).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x + 1));
                acc += Vector128.Shuffle(bytes, Tap2).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x + 2));
                acc += Vector128.Shuffle(bytes, Tap3).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x + 3));
            }
            var left = count - x;
            if (left > 0)
            {
                var bytes = Vector128.LoadUnsafe(ref src, (nuint)p);
                acc += Vector128.Shuffle(bytes, Tap0).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x));
                if (left > 1)
                    acc += Vector128.Shuffle(bytes, Tap1).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x + 1));
                if (left > 2)
                    acc += Vector128.Shuffle(bytes, Tap2).AsInt32() * Vector128.Create(Unsafe.Add(ref w, x + 2));
            }

            var v = Vector128.Min(Vector128.Max(acc >> PrecisionBits, Vector128<int>.Zero), max);
            ref var o = ref Unsafe.Add(ref dst, xx * 3);
            o = (byte)v.GetElement(0);
            Unsafe.Add(ref o, 1) = (byte)v.GetElement(1);
            Unsafe.Add(ref o, 2) = (byte)v.GetElement(2);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void HorizontalRowPair256(ReadOnlySpan<byte> source, int inStride, int rowStart, Span<byte> outRows, int outWidth, Coefficients c)
    {
        var kSize = c.KSize;
        var outStride = outWidth * 3;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(outRows);
        ref var bounds = ref MemoryMarshal.GetArrayDataReference(c.Bounds);
        ref var allWeights = ref MemoryMarshal.GetArrayDataReference(c.Weights);
        var max = Vector256.Create(255);
        for (var xx = 0; xx < outWidth; xx++)
        {
            var xmin = Unsafe.Add(ref bounds, xx * 2);
            var count = Unsafe.Add(ref bounds, xx * 2 + 1);
            var p = rowStart + xmin * 3;
            if (p + inStride + 12 * ((count - 1) >> 2) + Vector128<byte>.Count > source.Length)
            {
                // Only near the end of the source: the second row's loads would run past it.
                HorizontalPixelScalar(source.Slice(rowStart, inStride), outRows[..outStride], xx, c);
                HorizontalPixelScalar(source.Slice(rowStart + inStride, inStride), outRows[outStride..], xx, c);
                continue;
            }

            ref var w = ref Unsafe.Add(ref allWeights, xx * kSize);
            var acc = Vector256.Create(1 << (PrecisionBits - 1));
            var x = 0;
            for (; x + 4 <= count; x += 4, p += 12)
            {
                var bytes = Vector256.Create(Vector128.LoadUnsafe(ref src, (nuint)p), Vector128.LoadUnsafe(ref src, (nuint)(p + inStride)));
                acc += Vector256.Shuffle(bytes, PairTap0).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x));
                acc += Vector256.Shuffle(bytes, PairTap1).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x + 1));
                acc += Vector256.Shuffle(bytes, PairTap2).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x + 2));
                acc += Vector256.Shuffle(bytes, PairTap3).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x + 3));
            }
            var left = count - x;
            if (left > 0)
            {
                var bytes = Vector256.Create(Vector128.LoadUnsafe(ref src, (nuint)p), Vector128.LoadUnsafe(ref src, (nuint)(p + inStride)));
                acc += Vector256.Shuffle(bytes, PairTap0).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x));
                if (left > 1)
                    acc += Vector256.Shuffle(bytes, PairTap1).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x + 1));
                if (left > 2)
                    acc += Vector256.Shuffle(bytes, PairTap2).AsInt32() * Vector256.Create(Unsafe.Add(ref w, x + 2));
            }

            var v = Vector256.Min(Vector256.Max(acc >> PrecisionBits, Vector256<int>.Zero), max);
            ref var o = ref Unsafe.Add(ref dst, xx * 3);
            o = (byte)v.GetElement(0);
            Unsafe.Add(ref o, 1) = (byte)v.GetElement(1);
            Unsafe.Add(ref o, 2) = (byte)v.GetElement(2);
            ref var o2 = ref Unsafe.Add(ref o, outStride);
            o2 = (byte)v.GetElement(4);
            Unsafe.Add(ref o2, 1) = (byte)v.GetElement(5);
            Unsafe.Add(ref o2, 2) = (byte)v.GetElement(6);
        }
    }

    /// <summary>
    /// Vertical pass: per output row, 32 (then 16) bytes at a time, each widened to int32 lanes and multiplied by the
    /// tap's broadcast weight; the rest of the row goes to the scalar row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void VerticalVector(ReadOnlySpan<byte> source, int width, Span<byte> destination, int outHeight, Coefficients c, int rowOffset)
    {
        var stride = width * 3;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        Debug.Assert(destination.Length >= outHeight * stride);

        for (var yy = 0; yy < outHeight; yy++)
        {
            var ymin = c.Bounds[yy * 2] - rowOffset;
            var count = c.Bounds[yy * 2 + 1];
            Debug.Assert(ymin >= 0 && (ymin + count) * stride <= source.Length);
            ReadOnlySpan<int> weights = c.Weights.AsSpan(yy * c.KSize, count);
            ref var w = ref MemoryMarshal.GetReference(weights);
            ref var outRow = ref Unsafe.Add(ref dst, yy * stride);
            var i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + Vector256<byte>.Count <= stride; i += Vector256<byte>.Count)
                    VerticalChunk256(ref Unsafe.Add(ref src, ymin * stride + i), stride, ref w, count).StoreUnsafe(ref outRow, (nuint)i);
            }
            for (; i + Vector128<byte>.Count <= stride; i += Vector128<byte>.Count)
                VerticalChunk128(ref Unsafe.Add(ref src, ymin * stride + i), stride, ref w, count).StoreUnsafe(ref outRow, (nuint)i);
            if (i < stride)
                VerticalRowScalar(source, stride, destination.Slice(yy * stride, stride), ymin, weights, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> VerticalChunk256(ref byte column, int stride, ref int w, int count)
    {
        var a0 = Vector256.Create(1 << (PrecisionBits - 1));
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        for (var t = 0; t < count; t++)
        {
            var bytes = Vector256.LoadUnsafe(ref column, (nuint)(t * stride));
            var weight = Vector256.Create(Unsafe.Add(ref w, t));
            var (lo, hi) = Vector256.Widen(bytes);
            var (l0, l1) = Vector256.Widen(lo);
            var (h0, h1) = Vector256.Widen(hi);
            a0 += l0.AsInt32() * weight;
            a1 += l1.AsInt32() * weight;
            a2 += h0.AsInt32() * weight;
            a3 += h1.AsInt32() * weight;
        }
        var max = Vector256.Create(255);
        var zero = Vector256<int>.Zero;
        a0 = Vector256.Min(Vector256.Max(a0 >> PrecisionBits, zero), max);
        a1 = Vector256.Min(Vector256.Max(a1 >> PrecisionBits, zero), max);
        a2 = Vector256.Min(Vector256.Max(a2 >> PrecisionBits, zero), max);
        a3 = Vector256.Min(Vector256.Max(a3 >> PrecisionBits, zero), max);
        // Lanes are already 0..255, so the truncating narrows lose nothing.
        return Vector256.Narrow(Vector256.Narrow(a0.AsUInt32(), a1.AsUInt32()), Vector256.Narrow(a2.AsUInt32(), a3.AsUInt32()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> VerticalChunk128(ref byte column, int stride, ref int w, int count)
    {
        var a0 = Vector128.Create(1 << (PrecisionBits - 1));
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        for (var t = 0; t < count; t++)
        {
            var bytes = Vector128.LoadUnsafe(ref column, (nuint)(t * stride));
            var weight = Vector128.Create(Unsafe.Add(ref w, t));
            var (lo, hi) = Vector128.Widen(bytes);
            var (l0, l1) = Vector128.Widen(lo);
            var (h0, h1) = Vector128.Widen(hi);
            a0 += l0.AsInt32() * weight;
            a1 += l1.AsInt32() * weight;
            a2 += h0.AsInt32() * weight;
            a3 += h1.AsInt32() * weight;
        }
        var max = Vector128.Create(255);
        var zero = Vector128<int>.Zero;
        a0 = Vector128.Min(Vector128.Max(a0 >> PrecisionBits, zero), max);
        a1 = Vector128.Min(Vector128.Max(a1 >> PrecisionBits, zero), max);
        a2 = Vector128.Min(Vector128.Max(a2 >> PrecisionBits, zero), max);
        a3 = Vector128.Min(Vector128.Max(a3 >> PrecisionBits, zero), max);
        return Vector128.Narrow(Vector128.Narrow(a0.AsUInt32(), a1.AsUInt32()), Vector128.Narrow(a2.AsUInt32(), a3.AsUInt32()));
    }
}
