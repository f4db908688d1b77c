using Microsoft.Extensions.Logging;
using MLNetAttn.Transforms.Imaging;

namespace MLNetAttn.Estimators;

/// <summary>
/// Decodes images into an Image column (ML.NET's <c>ImageLoadingTransformer</c>), from a Text column of paths
/// or a byte-vector column of encoded files, with libvips on worker threads (pixels identical to PIL's
/// <c>convert("RGB")</c>; see <see cref="ImageDecoder"/>).
/// </summary>
/// <remarks>
/// | Estimator characteristics | |
/// | --- | --- |
/// | Does this estimator need to look at the data to train its parameters? | No |
/// | Input column data type | Text (path) or Vector&lt;Byte&gt; (encoded image) |
/// | Output column data type | Image (any size), plus the error column under <see cref="RowErrorPolicy.Mark"/> |
/// | Saved with the pipeline | Yes |
/// A file that cannot be decoded never stops the batch unless the policy is <see cref="RowErrorPolicy.Throw"/>.
/// </remarks>
public sealed class ImageLoadingTransformer : RowMappingTransformer
{
    internal ImageLoadingTransformer(VisionContext context, ImageLoadingOptions options) : base(context) => Options = options;

    /// <summary>The options.</summary>
    public ImageLoadingOptions Options { get; }

    internal override string Kind => "LoadImages";

    private protected override IBatchMapper CreateMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    internal override void Save(PipelineWriter writer)
    {
        writer.Set("outputColumnName", Options.OutputColumnName);
        writer.Set("inputColumnName", Options.InputColumnName);
        writer.Set("imageFolder", Options.ImageFolder);
        writer.Set("errorPolicy", Options.ErrorPolicy.ToString());
        writer.Set("errorColumnName", Options.ErrorColumnName);
        writer.Set("autoRotate", Options.DecodeOptions.AutoRotate);
        writer.Set("applyIccProfile", Options.DecodeOptions.ApplyIccProfile);
        writer.Set("jpegShrink", Options.DecodeOptions.JpegShrink);
        writer.Set("jpegShrinkToShorterSide", Options.DecodeOptions.JpegShrinkToShorterSide);
        writer.Set("maxPixels", Options.DecodeOptions.MaxPixels);
    }

    internal static ImageLoadingTransformer Load(VisionContext context, PipelineReader reader) => new(context, new ImageLoadingOptions(
        reader.GetString("outputColumnName"), reader.GetString("inputColumnName"), reader.GetOptionalString("imageFolder"),
        new ImageDecodeOptions
        {
            AutoRotate = reader.GetBool("autoRotate"),
            ApplyIccProfile = reader.GetBool("applyIccProfile"),
            JpegShrink = reader.GetInt("jpegShrink", 1, 8),
            JpegShrinkToShorterSide = reader.GetOptionalInt("jpegShrinkToShorterSide", 1, 1 << 16),
            MaxPixels = reader.GetLong("maxPixels", 1, long.MaxValue),
        },
        reader.GetEnum<RowErrorPolicy>("errorPolicy"), reader.GetString("errorColumnName")));

    private sealed class Mapper : IRowMapper
    {
        private readonly ImageLoadingTransformer _parent;
        private readonly int _input;
        private readonly bool _bytes;
        private readonly int _output;
        private readonly int _error;
        private readonly ILogger _log;

        public Mapper(ImageLoadingTransformer parent, DataViewSchema schema)
        {
            _parent = parent;
            var o = parent.Options;
            var input = SchemaErrors.Require(schema, o.InputColumnName);
            _bytes = input.Type is VectorDataViewType { ItemType: NumberDataViewType b } && b == NumberDataViewType.Byte;
            if (input.Type is not TextDataViewType && !_bytes)
                throw SchemaErrors.Mismatch("input", o.InputColumnName, "Text (a path) or Vector<Byte> (an encoded image)", input.Type);
            _input = input.Index;
            var output = schema.With(o.OutputColumnName, new ImageDataViewType());
            _error = -1;
            if (o.ErrorPolicy == RowErrorPolicy.Mark)
            {
                var existing = output.GetColumnOrNull(o.ErrorColumnName);
                if (existing is not null && existing.Type is not TextDataViewType)
                    throw SchemaErrors.Mismatch("error", o.ErrorColumnName, "Text", existing.Type);
                output = existing is null ? output.With(o.ErrorColumnName, TextDataViewType.Instance) : output;
                _error = output[o.ErrorColumnName].Index;
            }
            _output = output[o.OutputColumnName].Index;
            OutputSchema = output;
            _log = parent.Context.LoggerFactory.CreateLogger<ImageLoadingTransformer>();
        }

        public DataViewSchema OutputSchema { get; }

        public MapperStage Stage => MapperStage.Worker;

        public int? PreferredBatchSize => null;

        public void Map(DataBatch batch, MapContext context) => RowMappers.Map(batch, [this], context);

        public RowMapping Begin(DataBatch batch)
        {
            var rows = batch.RowCount;
            var input = batch[_input]; // taken first: the output may replace it in place (LoadImages("ImagePath"))
            if (_error >= 0 && batch.ErrorColumnIndex < 0)
            {
                // An error column already in the data is adopted, so rows it marks stay marked (and are not decoded).
                if (!batch.HasValues(_error))
                    batch.SetColumn(_error, new ScalarColumn<string?>(TextDataViewType.Instance, new string?[rows]));
                batch.ErrorColumnIndex = _error;
            }
            var images = new ImageColumn(new ImageDataViewType(), rows);
            return new Mapping(this, batch, input, images, batch.ExchangeColumn(_output, images));
        }

        private sealed class Mapping(Mapper mapper, DataBatch batch, BatchColumn input, ImageColumn images, BatchColumn? replaced) : RowMapping
        {
            private readonly Exception?[] _failures = new Exception?[batch.RowCount];

            public override void MapRow(int row)
            {
                if (batch.IsFaulted(row))
                    return;
                try
                {
                    images[row] = mapper.Decode(input, row, mapper._parent.Options);
                }
                catch (Exception e) when (e is ImageDecodeException or IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    _failures[row] = e;
                }
            }

            public override void Finish()
            {
                try
                {
                    mapper.Settle(batch, _failures);
                }
                finally
                {
                    replaced?.Dispose();
                }
            }
        }

        private RgbImage Decode(BatchColumn input, int row, ImageLoadingOptions o)
        {
            if (_bytes)
            {
                var data = ((JaggedVectorColumn<byte>)input).GetArray(row)
                    ?? throw new InvalidDataException($"Column '{o.InputColumnName}' has no bytes in this row.");
                return ImageDecoder.Decode(data, $"{o.InputColumnName}[row {row}]", o.DecodeOptions);
            }
            var path = ((ScalarColumn<string?>)input).Values[row];
            if (string.IsNullOrEmpty(path))
                throw new InvalidDataException($"Column '{o.InputColumnName}' has no path in this row.");
            return ImageDecoder.Decode(o.ImageFolder is null ? path : Path.Combine(o.ImageFolder, path), o.DecodeOptions);
        }

        private void Settle(DataBatch batch, Exception?[] failures)
        {
            var policy = _parent.Options.ErrorPolicy;
            List<int>? keep = null;
            for (var row = 0; row < failures.Length; row++)
            {
                var failure = failures[row];
                if (failure is null)
                {
                    keep?.Add(row);
                    continue;
                }
                switch (policy)
                {
                    case RowErrorPolicy.Throw:
                        throw new RowProcessingException(batch.FirstRow + row, failure.Message, failure);
                    case RowErrorPolicy.Skip:
                        _log.LogWarning("Skipping row {Row}: {Reason}", batch.FirstRow + row, failure.Message);
                        keep ??= [.. Enumerable.Range(0, row)];
                        break;
                    default:
                        batch.GetColumn<ScalarColumn<string?>>(batch.ErrorColumnIndex).Values[row] = failure.Message;
                        break;
                }
            }
            if (keep is not null)
                batch.Keep(keep.ToArray());
        }
    }
}

/// <summary>Options of <see cref="ImageLoadingTransformer"/>; validated here.</summary>
public sealed record ImageLoadingOptions
{
    /// <summary>Creates and validates the options.</summary>
    /// <param name="outputColumnName">The Image column to write.</param>
    /// <param name="inputColumnName">The Text column of paths, or Vector&lt;Byte&gt; column of encoded images.</param>
    /// <param name="imageFolder">Folder that relative paths are resolved against; null = as given.</param>
    /// <param name="decodeOptions">Decoding (EXIF rotation, ICC opt-in, limits); null = <see cref="ImageDecodeOptions.Default"/>.</param>
    /// <param name="errorPolicy">What to do with a file that cannot be decoded.</param>
    /// <param name="errorColumnName">The Text column that receives error messages under <see cref="RowErrorPolicy.Mark"/>; a Text
    /// column of that name already in the data is adopted (rows it marks are passed over).</param>
    public ImageLoadingOptions(string outputColumnName, string inputColumnName, string? imageFolder = null, ImageDecodeOptions? decodeOptions = null,
        RowErrorPolicy errorPolicy = ImageLoadingEstimator.Defaults.ErrorPolicy, string errorColumnName = ImageLoadingEstimator.Defaults.ErrorColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(errorColumnName);
        if (!Enum.IsDefined(errorPolicy))
            throw new ArgumentOutOfRangeException(nameof(errorPolicy), errorPolicy, "Use Mark, Skip or Throw.");
        if (errorColumnName == outputColumnName)
            throw new ArgumentException($"The error column cannot also be the output column '{outputColumnName}'.", nameof(errorColumnName));
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        ImageFolder = imageFolder;
        DecodeOptions = decodeOptions ?? ImageDecodeOptions.Default;
        ErrorPolicy = errorPolicy;
        ErrorColumnName = errorColumnName;
    }

    /// <summary>The Image column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Folder for relative paths, or null.</summary>
    public string? ImageFolder { get; }

    /// <summary>Decoding options.</summary>
    public ImageDecodeOptions DecodeOptions { get; }

    /// <summary>What happens to rows that fail.</summary>
    public RowErrorPolicy ErrorPolicy { get; }

    /// <summary>The error column (Mark policy).</summary>
    public string ErrorColumnName { get; }
}

/// <summary>Estimator for <see cref="ImageLoadingTransformer"/> (created by <c>LoadImages</c>).</summary>
public sealed class ImageLoadingEstimator : TrivialEstimator<ImageLoadingTransformer>
{
    internal ImageLoadingEstimator(VisionContext context, ImageLoadingOptions options) : base(new ImageLoadingTransformer(context, options)) { }

    /// <summary>Default values of the catalog's parameters.</summary>
    public static class Defaults
    {
        /// <summary>Mark: bad rows are kept with their error text.</summary>
        public const RowErrorPolicy ErrorPolicy = RowErrorPolicy.Mark;

        /// <summary>"Error".</summary>
        public const string ErrorColumnName = "Error";
    }
}
