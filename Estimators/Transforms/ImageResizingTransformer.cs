using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Estimators;

/// <summary>
/// Resizes images to a fixed size (ML.NET's <c>ImageResizingTransformer</c>) with PIL-exact resampling, by
/// stretching, letterboxing or the timm/torchvision eval rule (shorter side to the resize size, centre crop).
/// </summary>
/// <remarks>
/// | Estimator characteristics | |
/// | --- | --- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Image |
/// | Output column data type | Image of the target size |
/// | Saved with the pipeline | Yes |
/// Rows marked with an error keep a null image.
/// </remarks>
public sealed class ImageResizingTransformer : RowMappingTransformer
{
    internal ImageResizingTransformer(VisionContext context, ImageResizingOptions options) : base(context) => Options = options;

    /// <summary>The options.</summary>
    public ImageResizingOptions Options { get; }

    internal override string Kind => "ResizeImages";

    private protected override IBatchMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(Options, inputSchema);

    internal override void Save(PipelineWriter writer)
    {
        writer.Set("outputColumnName", Options.OutputColumnName);
        writer.Set("inputColumnName", Options.InputColumnName);
        writer.Set("imageWidth", Options.ImageWidth);
        writer.Set("imageHeight", Options.ImageHeight);
        writer.Set("resizing", Options.Resizing.ToString());
        writer.Set("cropAnchor", Options.CropAnchor.ToString());
        writer.Set("interpolation", Options.Interpolation.ToString());
        writer.Set("resizeSize", Options.ResizeSize);
        writer.Set("padColor", $"{Options.PadColor.R},{Options.PadColor.G},{Options.PadColor.B}");
    }

    internal static ImageResizingTransformer Load(VisionContext context, PipelineReader reader)
    {
        var pad = reader.GetString("padColor").Split(',');
        if (pad.Length != 3 || !pad.All(p => byte.TryParse(p, out _)))
            throw reader.Invalid("padColor", "three bytes 'r,g,b'");
        return new(context, new ImageResizingOptions(reader.GetString("outputColumnName"), reader.GetInt("imageWidth", 1, 1 << 16),
            reader.GetInt("imageHeight", 1, 1 << 16), reader.GetString("inputColumnName"), reader.GetEnum<ResizingKind>("resizing"),
            reader.GetEnum<Anchor>("cropAnchor"), reader.GetEnum<ResizeKernel>("interpolation"), reader.GetOptionalInt("resizeSize", 1, 1 << 16),
            new RgbColor(byte.Parse(pad[0]), byte.Parse(pad[1]), byte.Parse(pad[2]))));
    }

    /// <summary>Resizes one image as this transformer does (also used by tests and prediction paths).</summary>
    public RgbImage Apply(RgbImage image) => Resize(image, Options);

    internal static RgbImage Resize(RgbImage image, ImageResizingOptions o)
    {
        var plan = ResizePlan.Create(image.Width, image.Height, o.ImageWidth, o.ImageHeight, o.Resizing, o.CropAnchor, o.ResizeSize);
        if (o.Resizing == ResizingKind.IsoCrop)
        {
            // Only the kept pixels are resampled; byte for byte the resize then the crop. A resize to the same size is
            // a plain copy there, as torchvision skips it.
            return image.ResizeCrop(plan.ResizeWidth, plan.ResizeHeight, plan.X, plan.Y, o.ImageWidth, o.ImageHeight, o.Interpolation);
        }
        var resized = plan.ResizeWidth == image.Width && plan.ResizeHeight == image.Height
            ? null // torchvision skips a resize to the same size; PIL's kernels would return the same pixels anyway
            : image.Resize(plan.ResizeWidth, plan.ResizeHeight, o.Interpolation);
        try
        {
            var source = resized ?? image;
            return o.Resizing switch
            {
                ResizingKind.Fill => resized ?? source.Crop(0, 0, source.Width, source.Height),
                _ => source.Pad(plan.X, plan.Y, o.ImageWidth, o.ImageHeight, o.PadColor),
            };
        }
        finally
        {
            if (o.Resizing != ResizingKind.Fill)
                resized?.Dispose();
        }
    }

    private sealed class Mapper : IRowMapper
    {
        private readonly ImageResizingOptions _o;
        private readonly int _input;
        private readonly int _output;

        public Mapper(ImageResizingOptions o, DataViewSchema schema)
        {
            _o = o;
            var input = SchemaErrors.Require(schema, o.InputColumnName);
            if (input.Type is not ImageDataViewType)
                throw SchemaErrors.Mismatch("input", o.InputColumnName, "Image", input.Type);
            _input = input.Index;
            OutputSchema = schema.With(o.OutputColumnName, new ImageDataViewType(o.ImageWidth, o.ImageHeight));
            _output = OutputSchema[o.OutputColumnName].Index;
        }

        public DataViewSchema OutputSchema { get; }

        public MapperStage Stage => MapperStage.Worker;

        public int? PreferredBatchSize => null;

        public void Map(DataBatch batch, MapContext context) => RowMappers.Map(batch, [this], context);

        public RowMapping Begin(DataBatch batch)
        {
            var input = batch.GetColumn<ImageColumn>(_input);
            var output = new ImageColumn((ImageDataViewType)OutputSchema[_output].Type, batch.RowCount);
            return new Mapping(_o, batch, input, output, batch.ExchangeColumn(_output, output));
        }

        private sealed class Mapping(ImageResizingOptions o, DataBatch batch, ImageColumn input, ImageColumn output, BatchColumn? replaced) : RowMapping
        {
            public override void MapRow(int row)
            {
                if (input[row] is not { } image || batch.IsFaulted(row))
                    return;
                output[row] = Resize(image, o);
                // Replaced in place: the source photo is not needed any more, so its buffer goes back at once.
                if (ReferenceEquals(replaced, input))
                    input[row] = null;
            }

            public override void Finish() => replaced?.Dispose(); // the source images when the column was replaced in place
        }
    }
}

/// <summary>Options of <see cref="ImageResizingTransformer"/>; validated here.</summary>
public sealed record ImageResizingOptions
{
    /// <summary>Creates and validates the options.</summary>
    /// <param name="outputColumnName">The Image column to write.</param>
    /// <param name="imageWidth">Output width, 1 to 65536.</param>
    /// <param name="imageHeight">Output height, 1 to 65536.</param>
    /// <param name="inputColumnName">The Image column to read.</param>
    /// <param name="resizing">The fitting rule.</param>
    /// <param name="cropAnchor">Placement for crop and pad.</param>
    /// <param name="interpolation">The resampling kernel.</param>
    /// <param name="resizeSize">IsoCrop only: shorter side before the crop (timm's resize_size), at least max(width, height); null = cover the target.</param>
    /// <param name="padColor">IsoPad only: the canvas colour; null = black.</param>
    public ImageResizingOptions(string outputColumnName, int imageWidth, int imageHeight, string inputColumnName,
        ResizingKind resizing = ImageResizingEstimator.Defaults.Resizing, Anchor cropAnchor = ImageResizingEstimator.Defaults.CropAnchor,
        ResizeKernel interpolation = ImageResizingEstimator.Defaults.Interpolation, int? resizeSize = null, RgbColor? padColor = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(imageWidth, 1 << 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(imageHeight, 1 << 16);
        if (!Enum.IsDefined(resizing))
            throw new ArgumentOutOfRangeException(nameof(resizing), resizing, "Use Fill, IsoPad or IsoCrop.");
        if (!Enum.IsDefined(cropAnchor))
            throw new ArgumentOutOfRangeException(nameof(cropAnchor), cropAnchor, "Use Center, Left, Right, Top or Bottom.");
        if (!Enum.IsDefined(interpolation))
            throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Use Nearest, Bilinear, Bicubic or Lanczos.");
        if (resizeSize is { } size)
        {
            if (resizing != ResizingKind.IsoCrop)
                throw new ArgumentException($"resizeSize applies to IsoCrop only; got {resizing}.", nameof(resizeSize));
            if (size < Math.Max(imageWidth, imageHeight) || size > 1 << 16)
                throw new ArgumentOutOfRangeException(nameof(resizeSize), size,
                    $"The shorter side before cropping must be at least the crop's larger side ({Math.Max(imageWidth, imageHeight)}) and at most 65536.");
        }
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        Resizing = resizing;
        CropAnchor = cropAnchor;
        Interpolation = interpolation;
        ResizeSize = resizeSize;
        PadColor = padColor ?? new RgbColor(0, 0, 0);
    }

    /// <summary>The Image column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The Image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Output width.</summary>
    public int ImageWidth { get; }

    /// <summary>Output height.</summary>
    public int ImageHeight { get; }

    /// <summary>The fitting rule.</summary>
    public ResizingKind Resizing { get; }

    /// <summary>Placement for crop and pad.</summary>
    public Anchor CropAnchor { get; }

    /// <summary>The resampling kernel.</summary>
    public ResizeKernel Interpolation { get; }

    /// <summary>IsoCrop: the shorter side before the crop, or null.</summary>
    public int? ResizeSize { get; }

    /// <summary>IsoPad: the canvas colour.</summary>
    public RgbColor PadColor { get; }
}

/// <summary>Estimator for <see cref="ImageResizingTransformer"/> (created by <c>ResizeImages</c>).</summary>
public sealed class ImageResizingEstimator : TrivialEstimator<ImageResizingTransformer>
{
    internal ImageResizingEstimator(VisionContext context, ImageResizingOptions options) : base(new ImageResizingTransformer(context, options)) { }

    /// <summary>Default values of the catalog's parameters.</summary>
    public static class Defaults
    {
        /// <summary>IsoCrop (ML.NET's default too).</summary>
        public const ResizingKind Resizing = ResizingKind.IsoCrop;

        /// <summary>Center.</summary>
        public const Anchor CropAnchor = Anchor.Center;

        /// <summary>Bilinear (PIL's default for resize).</summary>
        public const ResizeKernel Interpolation = ResizeKernel.Bilinear;
    }
}
