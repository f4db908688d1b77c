using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Native;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Cli.Commands;

/// <summary>
/// <c>mlnetattn classify --model &lt;zoo-name|file.onnx&gt; [--checkpoint &lt;path|url&gt;] [--top K] [--json] [--batch N]
/// [--gpu [id] [--fallback-to-cpu]] &lt;images or folders...&gt;</c>:
/// one line per image on standard output, in input order.
/// </summary>
/// <remarks>
/// An image that cannot be read or decoded gives an error line (with <c>--json</c>: <c>"top":[]</c> and the error
/// text) and the others go on. Exit codes: 0 when at least one image was classified, 1 when every image failed or
/// the model could not be loaded, 2 when no image was given or found.
/// </remarks>
internal static class ClassifyCommand
{
    /// <summary>A prediction row read back from the pipeline.</summary>
    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        public string[] TopKLabels { get; set; } = [];
        public float[] TopKScores { get; set; } = [];
        public int[] TopKIndices { get; set; } = [];
        public string? Error { get; set; }
    }

    /// <summary>One input path.</summary>
    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "Image files or folders (folders are searched recursively, sorted by name).", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model") { Description = "A zoo model (shvit_s4, efficientvit_b1.r256_in1k) or a converted .onnx file.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "For a zoo model: a local .pth/.safetensors file or an http(s) URL. Default: the card's official release." };
        var top = new Option<int>("--top") { Description = "Classes per image, best first.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "One JSON object per image: {\"path\",\"top\":[{\"index\",\"label\",\"score\"}],\"error\"}." };
        var batch = new Option<int>("--batch") { Description = "Images per model run.", DefaultValueFactory = _ => 16 };
        var verbose = new Option<bool>("--verbose") { Description = "Log downloads, conversion and native library loading." };
        var jpegShrink = new Option<bool>("--jpeg-shrink-on-load")
        {
            Description = "Fast mode: decode each JPEG at 1/2, 1/4 or 1/8 size where that still covers the model's resize size (libjpeg's DCT scaling); not PIL-exact.",
        };
        var command = new Command("classify", "Classify images with a zoo model or a converted ONNX file; one line per image.")
        {
            images, model, checkpoint, top, json, batch, jpegShrink, verbose,
        };
        var gpu = new GpuOptions();
        gpu.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var k = result.GetValue(top);
            var n = result.GetValue(batch);
            if (k < 1)
            {
                Console.Error.WriteLine($"mlnetattn classify: --top ({k}) must be at least 1.");
                return 2;
            }
            if (BatchLimit.Check(n) is { } batchError)
            {
                Console.Error.WriteLine($"mlnetattn classify: {batchError}");
                return 2;
            }
            using var logging = CliLogging.Create(result.GetValue(verbose));
            NativeRuntimeOptions.LoggerFactory = logging;
            return await RunAsync(result.GetRequiredValue(model), result.GetValue(checkpoint), result.GetValue(images) ?? [], k, n, result.GetValue(json),
                result.GetValue(jpegShrink), result.GetValue(gpu.Gpu), result.GetValue(gpu.FallbackToCpu), logging, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string model, string? checkpoint, string[] inputs, int topK, int batchSize, bool json, bool jpegShrink,
        int? gpuDeviceId, bool fallbackToCpu, Microsoft.Extensions.Logging.ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var files = Expand(inputs).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"mlnetattn classify: no image files in {string.Join(", ", inputs)}; give image files or folders holding .jpg/.png/... files.");
            return 2;
        }

        var vision = new VisionContext(loggerFactory: logging);
        EstimatorChain<ClassificationHeadTransformer> pipeline;
        try
        {
            var onnx = new OnnxOptions { BatchSize = batchSize, GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu };
            EstimatorChain<OnnxTransformer> backbone;
            if (checkpoint is not null && File.Exists(model))
                throw new ArgumentException($"'{model}' is an ONNX file; --checkpoint applies to zoo models only (convert with `mlnetattn zoo export`, or name a zoo model).");
            if (checkpoint is not null || !File.Exists(model))
            {
                if (!MLNetAttn.Zoo.ModelZoo.TryGet(model, out _))
                    throw new FileNotFoundException(
                        $"'{model}' is neither an .onnx file (looked for '{Path.GetFullPath(model)}') nor a zoo model; run `mlnetattn zoo list` for the names.", model);
                using var store = new ModelStore(logger: logging.CreateLogger("MLNetAttn.Store"));
                var file = await ConvertedModels.GetOnnxAsync(model, checkpoint, store: store, cancellationToken: cancellationToken);
                backbone = vision.Transforms.ApplyBackbone(file, "Image", onnx);
            }
            else
            {
                backbone = vision.Transforms.ApplyBackbone(model, "Image", onnx);
            }
            // The fast mode needs the resize size before decoding: the backbone's model states it in its metadata.
            var scorer = ((OnnxScoringEstimator)backbone.Estimators[^1]).Model;
            var decode = jpegShrink
                ? new MLNetAttn.Transforms.Imaging.ImageDecodeOptions
                {
                    JpegShrinkToShorterSide = BackboneSpec.FromOnnxMetadata(scorer.Metadata, scorer.Session.GetInput(scorer.InputColumnNames[0]).Dimensions, model).ResizeSize,
                }
                : null;
            pipeline = vision.Transforms.LoadImages("Image", null, "ImagePath", decode)
                .Append(backbone)
                .Append(vision.Transforms.ApplyClassificationHead("logits", topK));
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or CheckpointFormatException or ModelDownloadException
                                      or FileNotFoundException or NotSupportedException or IOException or InvalidDataException
                                      or MLNetAttn.Transforms.Onnx.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"mlnetattn classify --model {model}: {e.Message}");
            return 1;
        }

        var data = vision.Data.LoadFromEnumerable(files.Select(f => new PathRow { ImagePath = f }));
        int ok = 0, failed = 0;
        using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
        foreach (var row in vision.Data.CreateEnumerable<Row>(pipeline.Fit(data).Transform(data)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (row.Error is null) ok++; else failed++;
            output.WriteLine(json ? Json(row) : Text(row));
            output.Flush(); // a line per image as it is done, for whoever reads the pipe
        }
        if (failed > 0)
            Console.Error.WriteLine($"{ok} classified, {failed} failed");
        return ok == 0 ? 1 : 0;
    }

    private static string Text(Row row)
    {
        if (row.Error is not null)
            return $"{row.ImagePath}\terror: {row.Error.ReplaceLineEndings(" ")}"; // one line per image, whatever the decoder said
        var top = Enumerable.Range(0, row.TopKIndices.Length)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"{row.TopKLabels[i]} ({row.TopKIndices[i]}) {row.TopKScores[i]:0.0000}"));
        return $"{row.ImagePath}\t{string.Join("; ", top)}";
    }

    private static string Json(Row row)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("path", row.ImagePath);
            w.WriteStartArray("top");
            if (row.Error is null)
            {
                for (var i = 0; i < row.TopKIndices.Length; i++)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", row.TopKIndices[i]);
                    w.WriteString("label", row.TopKLabels[i]);
                    w.WriteNumber("score", row.TopKScores[i]);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            if (row.Error is null) w.WriteNull("error"); else w.WriteString("error", row.Error);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Files as given (a missing one becomes an error row); folders expanded recursively to their image files, sorted.</summary>
    private static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (!Directory.Exists(path))
            {
                yield return path;
                continue;
            }
            var files = Directory.GetFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
                yield return file;
        }
    }

    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif", ".heic", ".heif", ".jxl", ".ppm", ".pgm",
    };
}
