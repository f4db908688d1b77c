using NetVips;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Computes a libvips image's pixels on the calling thread, top to bottom in strips, into a caller's buffer.
/// </summary>
/// <remarks>
/// The pixels are computed through a region on the image (NetVips' <see cref="Region.Fetch"/>), so no libvips
/// pool thread takes part: a decode worker's image is decoded, and then resampled, by one thread on one core,
/// unlike <c>vips_image_write</c> and NetVips' WriteToMemory, which hand the work to libvips' thread pool.
/// Top to bottom matters: images from sequential loads accept requests only in that order, and read each row
/// once (a second pass over a sequential image fails with "out of order read").
/// </remarks>
internal static class VipsPixels
{
    /// <summary>The step named in messages when computing pixels fails (read errors of lazy loaders surface here).</summary>
    public const string WriteOperation = "write";

    /// <summary>
    /// Most rows per request: 16, the height libvips' own sinks request from strip-style images (its "fatstrip"
    /// height). Each request passes once down the pipeline, and each operation between the loader and the
    /// destination buffers one strip, so short strips keep those buffers in cache. Measured on 1200-2000 px JPEGs
    /// with one decode thread: 10.6 ms CPU per image with 16 rows, 11.2 with 64, 11.5 with 128.
    /// </summary>
    public const int StripHeight = 16;

    /// <summary>
    /// Largest strip in bytes: each fetch returns a new array, and arrays from 85,000 bytes up go to the large
    /// object heap, which only full collections reclaim. Wide images therefore take fewer rows per strip.
    /// </summary>
    internal const int MaxStripBytes = 84_000;

    /// <summary>Rows per strip for rows of <paramref name="rowBytes"/> bytes: up to <paramref name="stripHeight"/>, within <see cref="MaxStripBytes"/>.</summary>
    internal static int RowsPerStrip(int rowBytes, int stripHeight = StripHeight)
        => Math.Clamp(MaxStripBytes / Math.Max(rowBytes, 1), 1, stripHeight);

    /// <summary>
    /// Writes all of <paramref name="image"/>'s pixels (band-interleaved rows, no padding) into
    /// <paramref name="destination"/>, which must be exactly Width × Height × Bands × sample size bytes.
    /// </summary>
    /// <param name="image">The image; for a sequential load, not read before.</param>
    /// <param name="destination">Where the pixels go.</param>
    /// <param name="step">Set to <see cref="WriteOperation"/> for the messages.</param>
    /// <param name="stripHeight">Most rows per request (fewer for wide rows, see <see cref="MaxStripBytes"/>).</param>
    /// <exception cref="NetVips.VipsException">libvips could not compute the pixels (a truncated file, say).</exception>
    public static void WriteTo(Image image, Span<byte> destination, VipsStep step, int stripHeight = StripHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stripHeight, 1);
        step.Operation = WriteOperation;
        var width = image.Width;
        var height = image.Height;
        var rowBytes = checked(width * image.Bands * SampleSize(image.Format));
        if (destination.Length != (long)rowBytes * height)
            throw new ArgumentException($"The destination holds {destination.Length} bytes; a {width}x{height} image of {image.Bands} bands needs {(long)rowBytes * height}.", nameof(destination));

        var rows = RowsPerStrip(rowBytes, stripHeight);
        using var region = Region.New(image);
        for (var top = 0; top < height; top += rows)
        {
            var count = Math.Min(rows, height - top);
            var strip = region.Fetch(0, top, width, count);
            if (strip.Length != rowBytes * count)
                throw new InvalidOperationException($"libvips returned {strip.Length} bytes for {count} rows of {rowBytes} bytes.");
            strip.CopyTo(destination.Slice(top * rowBytes));
        }
    }

    /// <summary>Bytes per sample of a band format.</summary>
    public static int SampleSize(Enums.BandFormat format) => format switch
    {
        Enums.BandFormat.Uchar or Enums.BandFormat.Char => 1,
        Enums.BandFormat.Ushort or Enums.BandFormat.Short => 2,
        Enums.BandFormat.Uint or Enums.BandFormat.Int or Enums.BandFormat.Float => 4,
        Enums.BandFormat.Double or Enums.BandFormat.Complex => 8,
        Enums.BandFormat.Dpcomplex => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown libvips band format."),
    };
}
