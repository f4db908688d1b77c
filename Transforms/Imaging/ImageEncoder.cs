using NetVips;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>Encoded image formats <see cref="ImageEncoder"/> writes.</summary>
public enum ImageFormat
{
    /// <summary>PNG, lossless.</summary>
    Png,

    /// <summary>JPEG, lossy (quality 1..100), 4:2:0 chroma subsampling below quality 90.</summary>
    Jpeg,

    /// <summary>WebP, lossy by default; lossless with <see cref="ImageEncodeOptions.Lossless"/>.</summary>
    WebP,

    /// <summary>TIFF, uncompressed by default (lossless).</summary>
    Tiff,

    /// <summary>GIF: at most 256 colours, so lossy for photos.</summary>
    Gif,
}

/// <summary>Encoder settings.</summary>
public sealed record ImageEncodeOptions
{
    /// <summary>The defaults, shared.</summary>
    public static ImageEncodeOptions Default { get; } = new();

    /// <summary>Quality for JPEG and lossy WebP, 1..100. Default = 90.</summary>
    public int Quality { get; init; } = 90;

    /// <summary>WebP only: encode losslessly. Default = false.</summary>
    public bool Lossless { get; init; }
}

/// <summary>Encodes <see cref="RgbImage"/>s with libvips. The pixels are read in place (pinned), not copied.</summary>
public static class ImageEncoder
{
    /// <summary>Encodes to bytes.</summary>
    /// <param name="image">The image.</param>
    /// <param name="format">The format to write.</param>
    /// <param name="options">Encoder settings; null = defaults.</param>
    /// <returns>The encoded file's bytes.</returns>
    /// <exception cref="VipsException">libvips could not encode the image.</exception>
    public static byte[] Encode(RgbImage image, ImageFormat format, ImageEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (saver, kwargs) = Saver(format, options ?? ImageEncodeOptions.Default);
        return RgbImageVips.Borrow(image, $"{format} encoder", (source, step) =>
        {
            step.Operation = saver + "_buffer";
            return (byte[])Operation.Call(step.Operation, kwargs, source);
        });
    }

    /// <summary>Encodes to a file (created or overwritten).</summary>
    /// <param name="image">The image.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="format">The format to write (the extension is not consulted).</param>
    /// <param name="options">Encoder settings; null = defaults.</param>
    /// <exception cref="VipsException">libvips could not encode or write the file; the message names the path.</exception>
    public static void Save(RgbImage image, string path, ImageFormat format, ImageEncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(path);
        var (saver, kwargs) = Saver(format, options ?? ImageEncodeOptions.Default);
        RgbImageVips.Borrow(image, path, (source, step) =>
        {
            step.Operation = saver;
            Operation.Call(saver, kwargs, source, path);
            return 0;
        });
    }

    private static (string Saver, VOption Options) Saver(ImageFormat format, ImageEncodeOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Quality, 1, nameof(options.Quality));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Quality, 100, nameof(options.Quality));
        return format switch
        {
            ImageFormat.Png => ("pngsave", new VOption()),
            ImageFormat.Jpeg => ("jpegsave", new VOption { { "Q", options.Quality } }),
            ImageFormat.WebP => ("webpsave", new VOption { { "Q", options.Quality }, { "lossless", options.Lossless } }),
            ImageFormat.Tiff => ("tiffsave", new VOption()),
            ImageFormat.Gif => ("gifsave", new VOption()),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
        };
    }
}
