using System.Buffers;
using System.Runtime.CompilerServices;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Resize then crop, computing only the pixels the crop keeps. PIL builds each output pixel from its own
/// coefficient window (computed for the full output size), so restricting the horizontal pass to the crop's columns,
/// the vertical pass to the crop's rows and the horizontal pass to the source rows those rows read gives exactly
/// the bytes of the full resize followed by the crop.
/// </summary>
internal static partial class PilResampler
{
    /// <summary>A rectangle of the resized image, in its coordinates.</summary>
    internal readonly record struct CropWindow(int X, int Y, int Width, int Height);

    /// <summary>
    /// Writes the <paramref name="crop"/> of the <paramref name="outWidth"/> × <paramref name="outHeight"/> resize
    /// into <paramref name="destination"/> (crop width × crop height × 3 bytes), using the vector passes where the
    /// hardware accelerates them. The caller has checked the crop lies inside the resized size.
    /// </summary>
    public static void ResizeCrop(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, CropWindow crop, ResizeKernel kernel)
        => ResizeCrop(source, inWidth, inHeight, destination, outWidth, outHeight, crop, kernel, vectorize: true);

    /// <summary>The same with the scalar passes only: the reference the vector passes must match byte for byte.</summary>
    public static void ResizeCropReference(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, CropWindow crop, ResizeKernel kernel)
        => ResizeCrop(source, inWidth, inHeight, destination, outWidth, outHeight, crop, kernel, vectorize: false);

    private static void ResizeCrop(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, CropWindow crop, ResizeKernel kernel, bool vectorize)
    {
        if (kernel == ResizeKernel.Nearest)
        {
            Nearest(source, inWidth, inHeight, destination, outWidth, outHeight, crop);
            return;
        }

        // PIL skips the pass of an axis whose size does not change: on that axis the crop is a plain copy.
        var needHorizontal = outWidth != inWidth;
        var needVertical = outHeight != inHeight;
        if (!needHorizontal && !needVertical)
        {
            CopyArea(source, inWidth, crop.X, crop.Y, destination, crop.Width, crop.Height);
            return;
        }

        var horizontal = needHorizontal ? Coefficients.Get(inWidth, outWidth, kernel, crop.X, crop.Width) : null;
        if (!needVertical)
        {
            Horizontal(source, inWidth, crop.Y, destination, crop.Width, crop.Height, horizontal!, vectorize);
            return;
        }

        var vertical = Coefficients.Get(inHeight, outHeight, kernel, crop.Y, crop.Height);
        if (!needHorizontal && crop.X == 0 && crop.Width == inWidth)
        {
            Vertical(source, inWidth, destination, crop.Height, vertical, 0, vectorize);
            return;
        }

        // Only source rows the vertical pass reads go into the intermediate: through the horizontal pass, or copied
        // (the crop's columns only) when the width does not change.
        var firstRow = vertical.Bounds[0];
        var last = (crop.Height - 1) * 2;
        var tempRows = vertical.Bounds[last] + vertical.Bounds[last + 1] - firstRow;
        var tempLength = crop.Width * 3 * tempRows;
        var temp = ArrayPool<byte>.Shared.Rent(tempLength);
        try
        {
            if (needHorizontal)
                Horizontal(source, inWidth, firstRow, temp, crop.Width, tempRows, horizontal!, vectorize);
            else
                CopyArea(source, inWidth, crop.X, firstRow, temp, crop.Width, tempRows);
            Vertical(temp.AsSpan(0, tempLength), crop.Width, destination, crop.Height, vertical, firstRow, vectorize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    /// <summary>Copies a <paramref name="width"/> × <paramref name="height"/> area at (<paramref name="x"/>, <paramref name="y"/>) into a packed buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void CopyArea(ReadOnlySpan<byte> source, int inWidth, int x, int y, Span<byte> destination, int width, int height)
    {
        var inStride = inWidth * 3;
        var outStride = width * 3;
        for (var row = 0; row < height; row++)
            source.Slice((y + row) * inStride + x * 3, outStride).CopyTo(destination.Slice(row * outStride, outStride));
    }

    /// <summary>
    /// PIL's nearest: the source index is (int) of a running sum starting at scale / 2 and growing by scale per output
    /// index. The sum is run from index 0 even for a crop, so each index sees the same floating-point value as in
    /// the full resize.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void Nearest(ReadOnlySpan<byte> source, int inWidth, int inHeight, Span<byte> destination, int outWidth, int outHeight, CropWindow crop)
    {
        Span<int> columns = crop.Width <= 4096 ? stackalloc int[crop.Width] : new int[crop.Width];
        NearestIndices(inWidth, outWidth, crop.X, columns);
        Span<int> rows = crop.Height <= 4096 ? stackalloc int[crop.Height] : new int[crop.Height];
        NearestIndices(inHeight, outHeight, crop.Y, rows);

        var inStride = inWidth * 3;
        var outStride = crop.Width * 3;
        for (var y = 0; y < rows.Length; y++)
        {
            var row = source.Slice(rows[y] * inStride, inStride);
            var outRow = destination.Slice(y * outStride, outStride);
            for (var x = 0; x < columns.Length; x++)
            {
                var p = columns[x] * 3;
                outRow[x * 3] = row[p];
                outRow[x * 3 + 1] = row[p + 1];
                outRow[x * 3 + 2] = row[p + 2];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimized from its first call, not after tiering (Benchmarks/README.md, thread settings)
    private static void NearestIndices(int inSize, int outSize, int start, Span<int> indices)
    {
        var scale = (double)inSize / outSize;
        var position = scale * 0.5;
        for (var i = 0; i < start; i++)
            position += scale;
        for (var i = 0; i < indices.Length; i++, position += scale)
            indices[i] = Math.Min((int)position, inSize - 1);
    }
}
