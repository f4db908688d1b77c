using System.Diagnostics;
using System.Globalization;
using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>What a conversion wrote.</summary>
/// <param name="OutputPath">The ONNX file (null when only bytes were produced).</param>
/// <param name="ModelName">Card name (<c>arch.tag</c>) or architecture name.</param>
/// <param name="Resolution">Input resolution of the graph.</param>
/// <param name="NumClasses">Classifier width.</param>
/// <param name="Outputs">Graph output names, <c>logits</c> first.</param>
/// <param name="CheckpointSha256">SHA-256 of the checkpoint file, also stored in the model's metadata.</param>
/// <param name="Elapsed">Time spent reading, building and writing.</param>
public sealed record ConversionResult(string? OutputPath, string ModelName, int Resolution, int NumClasses, IReadOnlyList<string> Outputs, string CheckpointSha256, TimeSpan Elapsed);

/// <summary>
/// Converts official checkpoints to ONNX: graph input <c>input</c> [batch, 3, H, W] float32 (already
/// normalized), or uint8 RGB pixels with <see cref="ExportOptions.Uint8Input"/>, output <c>logits</c>
/// [batch, classes], and with <see cref="ExportOptions.Features"/> the named stage outputs. The model card's
/// preprocessing and the input format (<see cref="OnnxMetadataKeys.InputFormat"/>) are written into the metadata
/// so a scorer can reproduce them.
/// </summary>
public static class ModelConverter
{
    /// <summary>Name of the graph input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the classifier output.</summary>
    public const string LogitsName = "logits";

    /// <summary>Converts the checkpoint at <paramref name="checkpointPath"/> for the zoo model <paramref name="model"/> and writes <paramref name="outputPath"/>.</summary>
    /// <param name="model">A card name (<c>shvit_s4</c>, <c>efficientvit_b1.r256_in1k</c>).</param>
    /// <param name="checkpointPath">A local .pth or .safetensors file.</param>
    /// <param name="outputPath">Where the .onnx goes (written to a temporary file, then renamed).</param>
    /// <param name="options">Resolution, fp16, features, uint8 input.</param>
    public static ConversionResult Export(string model, string checkpointPath, string outputPath, ExportOptions? options = null)
    {
        var card = ModelZoo.Get(model);
        var clock = Stopwatch.StartNew();
        using var checkpoint = Checkpoint.Open(checkpointPath);
        var (graph, result) = Build(ModelArchitectures.Create(card.Architecture), checkpoint, options ?? new ExportOptions(), card);
        graph.Save(outputPath);
        return result with { OutputPath = Path.GetFullPath(outputPath), Elapsed = clock.Elapsed };
    }

    /// <summary>
    /// Builds the graph of <paramref name="architecture"/> from <paramref name="checkpoint"/>. With a
    /// <paramref name="card"/> its preprocessing goes into the metadata; without one only the architecture is recorded.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="ExportOptions.Uint8Input"/> without a <paramref name="card"/>
    /// (no normalization is known to fold in).</exception>
    public static (GraphBuilder Graph, ConversionResult Result) Build(ModelArchitecture architecture, Checkpoint checkpoint, ExportOptions options, ModelCard? card = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var resolution = options.Resolution ?? card?.InputSize ?? architecture.DefaultResolution;
        architecture.ValidateResolution(resolution);

        var graph = new GraphBuilder(architecture.Name, options.Opset, options.Fp16Weights ? WeightStorage.Float16 : WeightStorage.Float32);
        var input = options.Uint8Input
            ? Uint8InputStage.Create(graph, InputName, resolution, card, architecture.Name)
            : graph.Input(InputName, TensorElementType.Float, ["batch", 3, resolution, resolution]);
        var weights = new WeightReader(checkpoint, architecture.Name);
        var built = architecture.Build(graph, input, weights, resolution);
        if (options.Uint8Input)
            Uint8InputStage.FoldScale(graph, input, card, architecture.Name);
        if (options.RequireAllWeights)
            weights.EnsureAllUsed();

        var outputs = new List<string> { graph.Output(built.Logits, TensorElementType.Float, ["batch", built.NumClasses], LogitsName).Name };
        if (options.Features)
            foreach (var feature in built.Features)
                outputs.Add(graph.Output(feature.Value, TensorElementType.Float, [(TensorDim)"batch", .. feature.Dims.Select(d => (TensorDim)d)], feature.Name).Name);

        var name = card?.Name ?? architecture.Name;
        var meta = graph.Metadata;
        meta[OnnxMetadataKeys.ModelName] = name;
        meta[OnnxMetadataKeys.Family] = architecture.Family.ToString().ToLowerInvariant();
        meta[OnnxMetadataKeys.Resolution] = $"{resolution},{resolution}";
        meta[OnnxMetadataKeys.SourceSha256] = checkpoint.Sha256;
        meta["num_classes"] = built.NumClasses.ToString(CultureInfo.InvariantCulture);
        meta[OnnxMetadataKeys.InputFormat] = options.Uint8Input ? OnnxMetadataKeys.InputFormatUint8Rgb : OnnxMetadataKeys.InputFormatFloatNormalized;
        if (card is not null)
        {
            meta[OnnxMetadataKeys.Mean] = Join(card.Mean);
            meta[OnnxMetadataKeys.Std] = Join(card.Std);
            meta[OnnxMetadataKeys.Interpolation] = card.Interpolation.ToString().ToLowerInvariant();
            meta[OnnxMetadataKeys.CropPct] = card.CropPct.ToString("R", CultureInfo.InvariantCulture);
            meta["resize_size"] = card.ResizeSizeFor(resolution).ToString(CultureInfo.InvariantCulture);
            meta["license"] = card.License;
        }
        graph.DocString = $"{name} converted by MLNetAttn from a checkpoint with SHA-256 {checkpoint.Sha256}.";
        return (graph, new ConversionResult(null, name, resolution, built.NumClasses, outputs, checkpoint.Sha256, clock.Elapsed));
    }

    private static string Join(IReadOnlyList<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
