using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Estimators;

/// <summary>
/// Turns fixed-size images into float vectors (ML.NET's <c>ImagePixelExtractingTransformer</c>): per channel
/// <c>(v · scale − mean[c]) / std[c]</c>, planar CHW (what PyTorch-trained models take) or interleaved HWC, RGB or
/// BGR. With scale 1/255 and ImageNet's mean and std this is bit-identical to torchvision's
/// <c>ToTensor()</c> + <c>Normalize(mean, std)</c>. With <c>outputAsFloatArray: false</c> the pixels stay bytes, unchanged,
/// for models that take uint8 pixels and normalize them in the graph.
/// </summary>
/// <remarks>
/// | Estimator characteristics | |
/// | --- | --- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Image of known size (after ResizeImages) |
/// | Output column data type | Vector&lt;Single, 3, H, W&gt; (planar) or Vector&lt;Single, H, W, 3&gt; (interleaved); Byte instead of Single without float output |
/// | Saved with the pipeline | Yes |
/// The rows of a batch lie back to back in one pooled buffer: an NCHW batch tensor ready for ONNX Runtime.
/// Unlike ML.NET, whose default is raw 0..255 values, the default scale is 1/255 (torchvision's ToTensor).
/// </remarks>
public sealed class ImagePixelExtractingTransformer : RowMappingTransformer
{
    private readonly PixelNormalizer _normalizer;

    internal ImagePixelExtractingTransformer(VisionContext context, ImagePixelExtractingOptions options) : base(context)
    {
        Options = options;
        _normalizer = new PixelNormalizer(options.Mean.ToArray(), options.Std.ToArray(), options.Scale, options.ColorOrder);
    }

    /// <summary>The options.</summary>
    public ImagePixelExtractingOptions Options { get; }

    internal override string Kind => "ExtractPixels";

    private protected override IBatchMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    internal override void Save(PipelineWriter writer)
    {
        writer.Set("outputColumnName", Options.OutputColumnName);
        writer.Set("inputColumnName", Options.InputColumnName);
        writer.Set("mean", Options.Mean);
        writer.Set("std", Options.Std);
        writer.Set("scale", Options.Scale);
        writer.Set("colorOrder", Options.ColorOrder.ToString());
        writer.Set("interleavePixelColors", Options.InterleavePixelColors);
        writer.Set("outputAsFloatArray", Options.OutputAsFloatArray);
    }

    internal static ImagePixelExtractingTransformer Load(VisionContext context, PipelineReader reader) => new(context, new ImagePixelExtractingOptions(
        reader.GetString("outputColumnName"), reader.GetString("inputColumnName"), reader.GetFloats("mean", 3), reader.GetFloats("std", 3),
        reader.GetFloat("scale"), reader.GetEnum<ColorOrder>("colorOrder"), reader.GetBool("interleavePixelColors"),
        // Pipelines saved before byte output existed wrote floats.
        reader.GetOptionalBool("outputAsFloatArray") ?? true));

    private sealed class Mapper : IRowMapper
    {
        private readonly ImagePixelExtractingTransformer _parent;
        private readonly int _input;
        private readonly int _output;
        private readonly int _width;
        private readonly int _height;

        public Mapper(ImagePixelExtractingTransformer parent, DataViewSchema schema)
        {
            _parent = parent;
            var o = parent.Options;
            var input = SchemaErrors.Require(schema, o.InputColumnName);
            if (input.Type is not ImageDataViewType { HasKnownSize: true } image)
                throw SchemaErrors.Mismatch("input", o.InputColumnName, "Image of known size (add ResizeImages before ExtractPixels)", input.Type);
            _input = input.Index;
            (_width, _height) = (image.Width, image.Height);
            var dims = o.InterleavePixelColors ? new[] { _height, _width, 3 } : [3, _height, _width];
            OutputSchema = schema.With(o.OutputColumnName, new VectorDataViewType(o.OutputAsFloatArray ? NumberDataViewType.Single : NumberDataViewType.Byte, dims));
            _output = OutputSchema[o.OutputColumnName].Index;
        }

        public DataViewSchema OutputSchema { get; }

        public MapperStage Stage => MapperStage.Worker;

        public int? PreferredBatchSize => null;

        public void Map(DataBatch batch, MapContext context) => RowMappers.Map(batch, [this], context);

        public RowMapping Begin(DataBatch batch) => _parent.Options.OutputAsFloatArray
            ? Begin<float>(batch, static (parent, image, interleave, row) =>
            {
                if (interleave)
                    parent._normalizer.ToInterleaved(image.Pixels, image.Width, image.Height, image.Stride, row);
                else
                    parent._normalizer.ToPlanar(image.Pixels, image.Width, image.Height, image.Stride, row);
            })
            : Begin<byte>(batch, static (parent, image, interleave, row) =>
            {
                if (interleave)
                    PixelPlanes.ToInterleaved(image.Pixels, image.Width, image.Height, image.Stride, row, parent.Options.ColorOrder);
                else
                    PixelPlanes.ToPlanar(image.Pixels, image.Width, image.Height, image.Stride, row, parent.Options.ColorOrder);
            });

        private delegate void PixelWriter<T>(ImagePixelExtractingTransformer parent, RgbImage image, bool interleave, Span<T> row);

        private Mapping<T> Begin<T>(DataBatch batch, PixelWriter<T> write) where T : unmanaged
        {
            var images = batch.GetColumn<ImageColumn>(_input);
            var type = (VectorDataViewType)OutputSchema[_output].Type;
            var output = new DenseVectorColumn<T>(type, batch.RowCount, type.Size);
            return new Mapping<T>(this, batch, images, output, write, batch.ExchangeColumn(_output, output));
        }

        private sealed class Mapping<T>(Mapper mapper, DataBatch batch, ImageColumn images, DenseVectorColumn<T> output, PixelWriter<T> write, BatchColumn? replaced)
            : RowMapping where T : unmanaged
        {
            public override void MapRow(int row)
            {
                if (images[row] is not { } image || batch.IsFaulted(row))
                    return; // the row stays zero
                if (image.Width != mapper._width || image.Height != mapper._height)
                    throw new InvalidOperationException($"Row {batch.FirstRow + row}: image is {image.Width}x{image.Height}; the column type says {mapper._width}x{mapper._height}.");
                write(mapper._parent, image, mapper._parent.Options.InterleavePixelColors, output.GetWritableRow(row));
                if (ReferenceEquals(replaced, images))
                    images[row] = null; // replaced in place: the image is not needed any more
            }

            public override void Finish() => replaced?.Dispose();
        }
    }
}

/// <summary>Options of <see cref="ImagePixelExtractingTransformer"/>; validated here.</summary>
public sealed record ImagePixelExtractingOptions
{
    /// <summary>Creates and validates the options.</summary>
    /// <param name="outputColumnName">The vector column to write.</param>
    /// <param name="inputColumnName">The Image column (of known size) to read.</param>
    /// <param name="mean">Per-channel mean in RGB order on the scaled values; null = (0, 0, 0).</param>
    /// <param name="std">Per-channel standard deviation in RGB order; null = (1, 1, 1).</param>
    /// <param name="scale">Applied to the byte first. Default = 1/255.</param>
    /// <param name="colorOrder">Channel order of the output.</param>
    /// <param name="interleavePixelColors">HWC instead of CHW.</param>
    /// <param name="outputAsFloatArray">
    /// Normalized floats (true) or the pixel bytes unchanged (false, for graphs that take uint8 and normalize themselves;
    /// mean, std and scale must then keep their defaults).
    /// </param>
    public ImagePixelExtractingOptions(string outputColumnName, string inputColumnName, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null,
        float scale = ImagePixelExtractingEstimator.Defaults.Scale, ColorOrder colorOrder = ColorOrder.Rgb, bool interleavePixelColors = false,
        bool outputAsFloatArray = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        mean ??= [0f, 0f, 0f];
        std ??= [1f, 1f, 1f];
        if (mean.Count != 3 || std.Count != 3)
            throw new ArgumentException($"mean and std need one value per channel (3); got {mean.Count} and {std.Count}.");
        if (!float.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        if (!Enum.IsDefined(colorOrder))
            throw new ArgumentOutOfRangeException(nameof(colorOrder), colorOrder, "Use Rgb or Bgr.");
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Mean = mean.ToArray();
        Std = std.ToArray();
        Scale = scale;
        ColorOrder = colorOrder;
        InterleavePixelColors = interleavePixelColors;
        OutputAsFloatArray = outputAsFloatArray;
        if (!outputAsFloatArray && (Mean.Any(m => m != 0) || Std.Any(d => d != 1) || scale != ImagePixelExtractingEstimator.Defaults.Scale))
            throw new ArgumentException(
                $"Column '{outputColumnName}': byte output carries the pixels unchanged, so it cannot apply mean ({string.Join(", ", Mean)}), std ({string.Join(", ", Std)}) or scale {scale}; "
                + "leave them at their defaults, or use float output.");
        _ = new PixelNormalizer(Mean.ToArray(), Std.ToArray(), scale, colorOrder); // checks finiteness and std > 0
    }

    /// <summary>The vector column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The Image column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Per-channel mean (RGB).</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviation (RGB).</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>Byte scale.</summary>
    public float Scale { get; }

    /// <summary>Output channel order.</summary>
    public ColorOrder ColorOrder { get; }

    /// <summary>HWC instead of CHW.</summary>
    public bool InterleavePixelColors { get; }

    /// <summary>Normalized floats (true, the default) or the pixel bytes unchanged (false).</summary>
    public bool OutputAsFloatArray { get; }
}

/// <summary>Estimator for <see cref="ImagePixelExtractingTransformer"/> (created by <c>ExtractPixels</c>).</summary>
public sealed class ImagePixelExtractingEstimator : TrivialEstimator<ImagePixelExtractingTransformer>
{
    internal ImagePixelExtractingEstimator(VisionContext context, ImagePixelExtractingOptions options)
        : base(new ImagePixelExtractingTransformer(context, options)) { }

    /// <summary>Default values of the catalog's parameters.</summary>
    public static class Defaults
    {
        /// <summary>1/255: bytes to 0..1, as torchvision's ToTensor.</summary>
        public const float Scale = 1f / 255f;
    }
}
