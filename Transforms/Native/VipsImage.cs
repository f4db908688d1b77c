namespace MLNetAttn.Transforms.Native;

/// <summary>libvips' VipsBandFormat values used here.</summary>
internal enum VipsBandFormat
{
    UChar = 0,
    Char = 1,
    UShort = 2,
    Short = 3,
    UInt = 4,
    Int = 5,
    Float = 6,
    Complex = 7,
    Double = 8,
    DpComplex = 9,
}

/// <summary>libvips' VipsInterpretation values used here (gaps are libvips' own).</summary>
internal enum VipsInterpretation
{
    Multiband = 0,
    BW = 1,
    Histogram = 10,
    Xyz = 12,
    Lab = 13,
    Cmyk = 15,
    LabQ = 16,
    Rgb = 17,
    Cmc = 18,
    Lch = 19,
    LabS = 21,
    Srgb = 22,
    Yxy = 23,
    Fourier = 24,
    Rgb16 = 25,
    Grey16 = 26,
    Matrix = 27,
    ScRgb = 28,
    Hsv = 29,
}

/// <summary>
/// One owned reference to a VipsImage, with the header accessors and the typed operation sugar the
/// imaging layer uses. Images from loaders are lazy: header fields are valid at once, pixels are
/// computed only when written somewhere.
/// </summary>
internal sealed unsafe class VipsImage : GObjectHandle
{
    /// <summary>Takes ownership of one reference.</summary>
    public VipsImage(IntPtr owned) : base(owned) { }

    /// <summary>The user's input this image came from, for error messages.</summary>
    public string Source { get; set; } = "";

    public int Width => VipsApi.ImageGetWidth(Ptr);
    public int Height => VipsApi.ImageGetHeight(Ptr);
    public int Bands => VipsApi.ImageGetBands(Ptr);
    public VipsBandFormat Format => (VipsBandFormat)VipsApi.ImageGetFormat(Ptr);
    public VipsInterpretation Interpretation => (VipsInterpretation)VipsApi.ImageGetInterpretation(Ptr);
    public bool HasAlpha => VipsApi.ImageHasAlpha(Ptr) != 0;

    /// <summary>EXIF orientation 1..8 (1 when absent).</summary>
    public int Orientation => VipsApi.ImageGetOrientation(Ptr);

    /// <summary>True when the header carries the named metadata field (e.g. "icc-profile-data").</summary>
    public bool HasField(string name)
    {
        Span<byte> utf8 = stackalloc byte[64];
        return VipsApi.ImageGetTypeof(Ptr, GObjectApi.Utf8(name, utf8)) != 0;
    }

    private IntPtr Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    /// <summary>
    /// Wraps memory as an image without copying. The memory must stay pinned and unchanged until this
    /// image and every image derived from it are disposed, and derived operations must bypass the cache.
    /// </summary>
    public static VipsImage FromMemory(void* data, nuint size, int width, int height, int bands, VipsBandFormat format, string source)
    {
        VipsApi.EnsureInitialized();
        var image = VipsApi.ImageNewFromMemory(data, size, width, height, bands, (int)format);
        if (image == IntPtr.Zero)
            throw VipsError.Fail(false, source, "new_from_memory", "Could not wrap pixel memory as an image for");
        return new VipsImage(image) { Source = source };
    }

    /// <summary>
    /// Rows computed per request by <see cref="WriteTo(void*, nuint, bool)"/>: 16, the height libvips' own sinks
    /// request from strip-style images (its "fatstrip" height). Each request passes once down the pipeline, and
    /// each operation between the loader and the destination buffers one strip, so short strips keep those
    /// buffers in cache. Measured on 1200-2000 px JPEGs with one decode thread: 10.6 ms CPU per image with 16
    /// rows, 11.2 with 64, 11.5 with 128; on 375-640 px photos 16 to 64 rows were alike (1.9 ms).
    /// </summary>
    public const int StripHeight = 16;

    /// <summary>
    /// Computes this image's pixels straight into <paramref name="destination"/> (band-interleaved rows,
    /// no padding), which must be exactly <paramref name="size"/> = Width × Height × Bands × sample size bytes.
    /// Read errors from lazy loaders (truncated files) surface here.
    /// </summary>
    /// <remarks>
    /// The pixels are computed on the calling thread, top to bottom in strips of <see cref="StripHeight"/> rows,
    /// through a region on this image whose output lands in a region attached to <paramref name="destination"/>.
    /// Unlike <c>vips_image_write</c>, no libvips pool thread takes part, so a decode worker's image is decoded,
    /// and then resampled, by one thread on one core. Top to bottom matters: images from sequential loads accept
    /// requests only in that order.
    /// </remarks>
    public void WriteTo(void* destination, nuint size, bool decode) => WriteTo(destination, size, decode, StripHeight);

    /// <summary><see cref="WriteTo(void*, nuint, bool)"/> with strips of <paramref name="stripHeight"/> rows.</summary>
    public void WriteTo(void* destination, nuint size, bool decode, int stripHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stripHeight, 1);
        using var target = FromMemory(destination, size, Width, Height, Bands, Format, Source);
        using var source = VipsRegion.On(this, decode);
        using var sink = VipsRegion.On(target, decode);
        var width = Width;
        var height = Height;
        var ok = sink.TryAttachToImage(new VipsRect(0, 0, width, height));
        for (var top = 0; ok && top < height; top += stripHeight)
            ok = source.TryPrepareTo(sink, new VipsRect(0, top, width, Math.Min(stripHeight, height - top)), 0, top);
        if (!ok)
            throw VipsError.Fail(decode, Source, "write", decode ? "Could not decode the pixels of image" : "Could not compute the pixels of image");
    }

    /// <summary>A copy of this image held in libvips memory (for operations that need random access after a sequential load).</summary>
    /// <remarks>
    /// libvips computes this copy with its thread pool (<c>vips_image_copy_memory</c>), unlike
    /// <see cref="WriteTo(void*, nuint, bool)"/>: the copy must carry the header and metadata (orientation, ICC
    /// profile, interpretation) the following steps read, which only libvips' own copy sets up. Only EXIF-rotated
    /// images take this step.
    /// </remarks>
    public VipsImage CopyMemory(bool decode)
    {
        var copy = VipsApi.ImageCopyMemory(Ptr);
        if (copy == IntPtr.Zero)
            throw VipsError.Fail(decode, Source, "copy_memory", "Could not read into memory image");
        return new VipsImage(copy) { Source = Source };
    }

    #region Typed operations
    private VipsImage Op(string name, VipsArgs args, bool decode = false)
        => VipsOperation.CallImage(name, args, Source, decode);

    public VipsImage Autorot(bool decode = true) => Op("autorot", new VipsArgs().Add("in", this), decode);

    public VipsImage Colourspace(string space, bool decode = true)
        => Op("colourspace", new VipsArgs().Add("in", this).Add("space", space), decode);

    public VipsImage Cast(VipsBandFormat format, bool decode = true)
        => Op("cast", new VipsArgs().Add("in", this).Add("format", (int)format), decode);

    public VipsImage Flatten(double[] background, bool decode = true)
        => Op("flatten", new VipsArgs().Add("in", this).Add("background", background), decode);

    public VipsImage ExtractBand(int band, int count, bool decode = true)
        => Op("extract_band", new VipsArgs().Add("in", this).Add("band", band).Add("n", count), decode);

    public VipsImage SetInterpretation(VipsInterpretation interpretation, bool decode = true)
        => Op("copy", new VipsArgs().Add("in", this).Add("interpretation", (int)interpretation), decode);

    public VipsImage IccTransform(string outputProfile, bool decode = true)
        => Op("icc_transform", new VipsArgs().Add("in", this).Add("output_profile", outputProfile).Add("embedded", true), decode);

    public VipsImage ExtractArea(int left, int top, int width, int height)
        => Op("extract_area", new VipsArgs().Add("input", this).Add("left", left).Add("top", top).Add("width", width).Add("height", height));

    public VipsImage Embed(int x, int y, int width, int height, double[] background)
        => Op("embed", new VipsArgs().Add("in", this).Add("x", x).Add("y", y).Add("width", width).Add("height", height)
            .Add("extend", "background").Add("background", background));

    /// <summary>libvips' resize (box shrink + reduce), kernel by nick: nearest, linear, cubic, lanczos3.</summary>
    public VipsImage Resize(double hscale, double vscale, string kernel)
        => Op("resize", new VipsArgs().Add("in", this).Add("scale", hscale).Add("vscale", vscale).Add("kernel", kernel));

    /// <summary>libvips' separable reducers only (no box pre-shrink); shrink factors &gt;= 1.</summary>
    public VipsImage Reduce(double hshrink, double vshrink, string kernel)
        => Op("reduce", new VipsArgs().Add("in", this).Add("hshrink", hshrink).Add("vshrink", vshrink).Add("kernel", kernel));

    /// <summary>Encodes with a "*save_buffer" operation and returns the bytes.</summary>
    public byte[] SaveToBuffer(string saver, VipsArgs options)
    {
        var args = new VipsArgs().Add("in", this);
        foreach (var (name, value) in options.Items)
            args.Add(name, value);
        return (byte[]?)VipsOperation.Call(saver, args, ["buffer"], Source)[0]
            ?? throw VipsError.Fail(false, Source, saver, "The encoder returned no bytes for");
    }

    /// <summary>Encodes with a "*save" operation into a file.</summary>
    public void SaveToFile(string saver, string path, VipsArgs options)
    {
        var args = new VipsArgs().Add("in", this).Add("filename", path);
        foreach (var (name, value) in options.Items)
            args.Add(name, value);
        VipsOperation.Call(saver, args, [], path);
    }
    #endregion
}
