using System.Buffers;
using NetVips;

namespace MLNetAttn.Transforms.Imaging;

/// <summary>
/// Decodes images with libvips into pooled 8-bit sRGB buffers (<see cref="RgbImage"/>). The format is
/// sniffed from the content, never from the file extension. Every failure is an
/// <see cref="ImageDecodeException"/> naming the input. Thread-safe: decode on as many threads as you like.
/// </summary>
/// <remarks>
/// What comes out, whatever went in (see <see cref="ImageDecodeOptions"/> for the switches):
/// <list type="bullet">
/// <item>3 bands, 8 bits, sRGB; grey is copied to three bands, palettes are expanded.</item>
/// <item>16-bit images are scaled to 8 bits, not clipped: libvips keeps the high byte (v &gt;&gt; 8). PIL does
/// the same for 16-bit RGB, but opens 16-bit grey as 32-bit "I" and clips it to 255 when converting to RGB,
/// so 16-bit grey differs from PIL on purpose.</item>
/// <item>CMYK without ICC handling uses PIL's naive formula R = (255 − C)(255 − K)/255 (likewise G, B), so
/// the pixels match PIL's convert("RGB").</item>
/// <item>Alpha is composited on <see cref="ImageDecodeOptions.Background"/> (white by default); PIL's
/// convert("RGB") simply drops alpha (set Background to null for that).</item>
/// <item>EXIF orientation applied; embedded ICC profiles ignored unless asked.</item>
/// <item>Multi-page files (animated GIF/WebP, multi-page TIFF) give their first page, as PIL does.</item>
/// </list>
/// Loads are sequential (libvips streams rows strip by strip into the output buffer) and stop with an error
/// on truncated data instead of filling the rest with grey. A failure's message names its input and carries
/// libvips' text for that input only, however many decodes run and fail at once (see <c>VipsCalls</c>).
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Decodes an image file.</summary>
    /// <param name="path">The file; its format is sniffed from its content.</param>
    /// <param name="options">Decode options; null = <see cref="ImageDecodeOptions.Default"/>.</param>
    /// <returns>The pixels; dispose to return the buffer to the pool.</returns>
    /// <exception cref="ImageDecodeException">The file is missing, empty, not a supported image, corrupt, truncated or too large.</exception>
    public static RgbImage Decode(string path, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= ImageDecodeOptions.Default;
        options.Validate();
        var known = CheckFile(path);
        return VipsCalls.Run(path, decode: true, step =>
        {
            var loader = known ?? FileLoader(path);
            return DecodeWith(loader, kwargs => (Image)Operation.Call(loader, kwargs, path), path, options, step);
        });
    }

    /// <summary>
    /// Reads only the header of an image file: size, bands, format, orientation. No pixels are decoded, so
    /// this is cheap and safe on huge or hostile files.
    /// </summary>
    /// <param name="path">The file; its format is sniffed from its content.</param>
    /// <returns>What the header says.</returns>
    /// <exception cref="ImageDecodeException">The file is missing, empty, not a supported image or has a corrupt header.</exception>
    public static ImageInfo ReadInfo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var known = CheckFile(path);
        return VipsCalls.Run(path, decode: true, step =>
        {
            var loader = known ?? FileLoader(path);
            step.Operation = loader;
            using var image = (Image)Operation.Call(loader, LoadOptions(), path);
            return Info(image, loader);
        });
    }

    private static ImageInfo Info(Image image, string loader)
    {
        var format = loader.Replace("VipsForeignLoad", "", StringComparison.Ordinal);
        foreach (var suffix in (ReadOnlySpan<string>)["File", "Buffer", "Source"])
        {
            if (format.EndsWith(suffix, StringComparison.Ordinal))
                format = format[..^suffix.Length];
        }
        return new ImageInfo(image.Width, image.Height, image.Bands, format.ToLowerInvariant(), VipsToRgb.Orientation(image),
            image.HasAlpha(), image.Contains("icc-profile-data"));
    }

    /// <summary>
    /// What can be told without libvips, in our own words naming the file: it exists and is not empty. Returns the
    /// loader for the formats its first bytes tell for certain (JPEG, PNG), or null: libvips then sniffs the file
    /// itself, trying its loaders one after the other, which costs about 0.3 ms of CPU per file.
    /// </summary>
    private static string? CheckFile(string path)
    {
        if (!File.Exists(path))
            throw new ImageDecodeException(path, "open",
                $"Image file '{path}' does not exist (looked for '{Path.GetFullPath(path)}'). Check the path.",
                new FileNotFoundException(null, path));
        Span<byte> head = stackalloc byte[8];
        int read;
        using (var handle = File.OpenHandle(path))
            read = RandomAccess.Read(handle, head, 0);
        if (read == 0)
            throw NotAnImage(path, 0);
        return KnownFileLoader(head[..read]);
    }

    /// <summary>
    /// The loader libvips itself picks for a file that starts with <paramref name="head"/>, for the two signatures
    /// no other loader claims: JPEG (FF D8 FF) and PNG (its 8-byte signature). Null for anything else.
    /// </summary>
    internal static string? KnownFileLoader(ReadOnlySpan<byte> head)
        => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "VipsForeignLoadJpegFile"
            : head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) ? "VipsForeignLoadPngFile"
            : null;

    /// <summary>The loader libvips picks from the file's first bytes; none means no format libvips reads.</summary>
    private static string FileLoader(string path)
        => Image.FindLoad(path) ?? throw NotAnImage(path, new FileInfo(path).Length);

    /// <summary>Decodes an image held in memory. libvips reads a copy of the bytes, taken during the call.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="name">A name for the input in error messages (e.g. the key or URL it came from).</param>
    /// <param name="options">Decode options; null = <see cref="ImageDecodeOptions.Default"/>.</param>
    /// <returns>The pixels; dispose to return the buffer to the pool.</returns>
    /// <exception cref="ImageDecodeException">The bytes are empty, not a supported image, corrupt, truncated or too large.</exception>
    public static RgbImage Decode(ReadOnlyMemory<byte> data, string name, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= ImageDecodeOptions.Default;
        options.Validate();
        if (data.IsEmpty)
            throw NotAnImage(name, 0);
        return VipsCalls.Run(name, decode: true, step =>
        {
            var loader = Image.FindLoadBuffer(data.Span) ?? throw NotAnImage(name, data.Length);
            return DecodeWith(loader, kwargs => Image.NewFromBuffer(data.Span, kwargs: kwargs), name, options, step);
        });
    }

    /// <summary>
    /// Decodes an image from a stream, read to its end into a pooled buffer first (at most
    /// <see cref="ImageDecodeOptions.MaxStreamBytes"/>). The stream is not disposed.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the start of the image.</param>
    /// <param name="name">A name for the input in error messages.</param>
    /// <param name="options">Decode options; null = <see cref="ImageDecodeOptions.Default"/>.</param>
    /// <returns>The pixels; dispose to return the buffer to the pool.</returns>
    /// <exception cref="ImageDecodeException">The stream is longer than the limit, empty, or not a decodable image.</exception>
    public static RgbImage Decode(Stream stream, string name, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        options ??= ImageDecodeOptions.Default;
        options.Validate();

        var rented = ArrayPool<byte>.Shared.Rent(stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position + 1, 1, options.MaxStreamBytes + 1) : 64 << 10);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == rented.Length)
                {
                    if (length > options.MaxStreamBytes)
                        break;
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)rented.Length * 2, Math.Min(options.MaxStreamBytes + 1, Array.MaxLength)));
                    rented.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(rented);
                    rented = bigger;
                }
                var read = stream.Read(rented, length, rented.Length - length);
                if (read == 0)
                    break;
                length += read;
            }
            if (length > options.MaxStreamBytes)
                throw new ImageDecodeException(name, "read",
                    $"Image stream '{name}' is longer than {options.MaxStreamBytes} bytes (ImageDecodeOptions.MaxStreamBytes); raise the limit if the input is trusted.");
            return Decode(rented.AsMemory(0, length), name, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ImageDecodeException NotAnImage(string input, long length)
    {
        var what = length == 0 ? "is empty (0 bytes)" : $"is not an image in a format libvips can read ({length} bytes; the format is told from the content, not the name)";
        return new ImageDecodeException(input, "find_load", $"'{input}' {what}; check the file.");
    }

    /// <summary>
    /// The largest JPEG shrink-on-load factor (8, 4 or 2) that leaves the shorter side at least <paramref name="side"/>
    /// pixels (libvips rounds the shrunk size down), or 1.
    /// </summary>
    internal static int JpegShrinkFor(int width, int height, int side)
    {
        var shorter = Math.Min(width, height);
        foreach (var n in (ReadOnlySpan<int>)[8, 4, 2])
        {
            if (shorter / n >= side)
                return n;
        }
        return 1;
    }

    /// <summary>
    /// Sequential access (rows stream straight into the output), a failure on truncated data instead of grey rows,
    /// and never a load from libvips' cache (when one is configured): a file may change between two decodes.
    /// </summary>
    private static VOption LoadOptions()
        => new() { { "access", Enums.Access.Sequential }, { "fail_on", Enums.FailOn.Truncated }, { "revalidate", true } };

    private static RgbImage DecodeWith(string loader, Func<VOption, Image> open, string input, ImageDecodeOptions options, VipsStep step)
    {
        var kwargs = LoadOptions();
        var jpeg = loader.Contains("Jpeg", StringComparison.Ordinal);
        if (options.JpegShrink > 1 && jpeg)
            kwargs.Add("shrink", options.JpegShrink);

        var chain = new List<Image>(6);
        try
        {
            step.Operation = loader;
            var image = open(kwargs);
            chain.Add(image);
            if (options.JpegShrinkToShorterSide is { } side && jpeg && JpegShrinkFor(image.Width, image.Height, side) is var n and > 1)
            {
                // Only the header has been read: open again at 1/n (libjpeg scales while decoding).
                kwargs["shrink"] = n;
                image = open(kwargs);
                chain.Add(image);
            }

            // Loaders are lazy: only the header has been read so far.
            var pixels = (long)image.Width * image.Height;
            if (pixels > options.MaxPixels)
                throw new ImageDecodeException(input, loader,
                    $"Image '{input}' is {image.Width}x{image.Height} = {pixels} pixels, more than the limit of {options.MaxPixels} " +
                    "(ImageDecodeOptions.MaxPixels). Raise the limit if the image is trusted.");
            if (pixels * RgbImage.Channels > Array.MaxLength)
                throw new ImageDecodeException(input, loader,
                    $"Image '{input}' is {image.Width}x{image.Height}; its RGB pixels would not fit in one buffer (2 GiB). Downscale it first.");

            return VipsToRgb.Convert(image, chain, options, input, step);
        }
        finally
        {
            foreach (var link in chain)
                link.Dispose();
        }
    }
}
