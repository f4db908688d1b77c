using MLNetAttn.Estimators;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Checkpoints;

namespace MLNetAttn.Examples.Digits;

/// <summary>
/// The consume class, as Model Builder generates one: <c>DigitsModel.Predict(new ModelInput { ImagePath = "3.png" })</c>.
/// The pipeline is built on first use (the checkpoint is converted to ONNX in memory, well under a second) and
/// shared; <see cref="Predict"/> may be called from any thread (a <see cref="PredictionEnginePool{TSrc, TDst}"/>
/// hands each call its own engine).
/// </summary>
public static class DigitsModel
{
    /// <summary>The folder holding digits_shvit.pth and digits_shvit.json. Default = model/ beside the program.</summary>
    public static string ModelFolder { get; set; } = Path.Combine(AppContext.BaseDirectory, "model");

    private static readonly Lazy<PredictionEnginePool<ModelInput, ModelOutput>> Pool = new(CreatePool, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<DigitsModelConfig> LazyConfig = new(() => DigitsModelConfig.Load(Path.Combine(ModelFolder, "digits_shvit.json")));

    /// <summary>The model's configuration (labels, preprocessing, PyTorch's predictions).</summary>
    public static DigitsModelConfig Config => LazyConfig.Value;

    /// <summary>Classifies one image.</summary>
    /// <exception cref="RowProcessingException">The image cannot be read or decoded; the message names it.</exception>
    public static ModelOutput Predict(ModelInput input) => Pool.Value.Predict(input);

    /// <summary>
    /// Builds the fitted pipeline: LoadImages → ApplyBackbone (the digits network with its own preprocessing: 64×64,
    /// bicubic, ImageNet mean and std) → classification head with labels "0".."9".
    /// </summary>
    /// <param name="vision">The context to build in.</param>
    public static ITransformer CreatePipeline(VisionContext vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        var config = Config;
        byte[] onnx;
        using (var checkpoint = Checkpoint.Open(Path.Combine(ModelFolder, "digits_shvit.pth")))
            onnx = ModelConverter.Build(config.Architecture(), checkpoint, new ExportOptions { Resolution = config.Resolution }).Graph.ToArray();

        // Not a zoo model, so the preprocessing is stated here instead of coming from a card.
        var spec = new BackboneSpec("digits_shvit", config.Resolution, config.Resolution, config.ResizeSize,
            Enum.Parse<ResizeKernel>(config.Interpolation, ignoreCase: true), config.Mean, config.Std);
        var pipeline = vision.Transforms.LoadImages("Image", null, nameof(ModelInput.ImagePath), errorPolicy: RowErrorPolicy.Throw)
            .Append(vision.Transforms.ApplyBackbone(spec, vision.Transforms.ApplyOnnxModel(new OnnxOptions { ModelBytes = onnx })))
            .Append(vision.Transforms.ApplyClassificationHead("logits", topK: 3, labels: config.Labels));
        return pipeline.Fit(vision.Data.LoadFromEnumerable(Array.Empty<ModelInput>()));
    }

    private static PredictionEnginePool<ModelInput, ModelOutput> CreatePool()
    {
        var vision = new VisionContext();
        return vision.Model.CreatePredictionEnginePool<ModelInput, ModelOutput>(CreatePipeline(vision));
    }
}
