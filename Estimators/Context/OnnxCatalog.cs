using MLNetAttn.Transforms.Onnx;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Estimators;

/// <summary>
/// ONNX estimators on <see cref="TransformsCatalog"/> (ML.NET's <c>OnnxCatalog</c>). Only apply models you trust:
/// a model is a program that ONNX Runtime executes.
/// </summary>
public static class OnnxCatalog
{
    /// <summary>Scores with every input and output of the model; column names = tensor names.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelFile">The .onnx file.</param>
    /// <param name="gpuDeviceId">CUDA device; null = CPU.</param>
    /// <param name="fallbackToCpu">Run on CPU when the GPU cannot be used (the reason is logged) instead of throwing.</param>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, string modelFile, int? gpuDeviceId = null, bool fallbackToCpu = false)
        => new(catalog.Context, new OnnxOptions { ModelFile = modelFile, GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu });

    /// <summary>Scores one input tensor into one output tensor; the column names are the tensor names.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The output tensor (and column).</param>
    /// <param name="inputColumnName">The input tensor (and column), a Vector&lt;Single&gt; of the input's size.</param>
    /// <param name="modelFile">The .onnx file.</param>
    /// <param name="gpuDeviceId">CUDA device; null = CPU.</param>
    /// <param name="fallbackToCpu">Run on CPU when the GPU cannot be used.</param>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, string modelFile,
        int? gpuDeviceId = null, bool fallbackToCpu = false)
        => new(catalog.Context, new OnnxOptions { ModelFile = modelFile, InputColumns = [inputColumnName], OutputColumns = [outputColumnName], GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu });

    /// <summary>Scores several inputs into several outputs (segmentation and detection heads read several outputs).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnNames">The output tensors (and columns).</param>
    /// <param name="inputColumnNames">The input tensors (and columns).</param>
    /// <param name="modelFile">The .onnx file.</param>
    /// <param name="gpuDeviceId">CUDA device; null = CPU.</param>
    /// <param name="fallbackToCpu">Run on CPU when the GPU cannot be used.</param>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, string[] outputColumnNames, string[] inputColumnNames, string modelFile,
        int? gpuDeviceId = null, bool fallbackToCpu = false)
        => new(catalog.Context, new OnnxOptions { ModelFile = modelFile, InputColumns = inputColumnNames, OutputColumns = outputColumnNames, GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu });

    /// <summary>Scores with every option: model bytes, batch size, threads.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The options.</param>
    public static OnnxScoringEstimator ApplyOnnxModel(this TransformsCatalog catalog, OnnxOptions options)
        => new(catalog.Context, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>
    /// A converted backbone with the preprocessing its card prescribes, read from the model's ONNX metadata
    /// (<see cref="BackboneSpec.FromOnnxMetadata"/>): <c>ResizeImages</c> (IsoCrop: shorter side to resize_size with the
    /// card's interpolation, centre crop to the resolution) → <c>ExtractPixels</c> (1/255, the card's mean and std; the bytes
    /// unchanged for a graph whose input is uint8, which normalizes in the graph) →
    /// <c>ApplyOnnxModel</c>. The model's outputs become columns (e.g. "logits"; add <c>ApplyClassificationHead</c>).
    /// </summary>
    /// <remarks>
    /// <paramref name="model"/> is an existing .onnx file, or else a zoo name (<c>shvit_s4</c>,
    /// <c>efficientvit_b1.r256_in1k</c>) whose official checkpoint is downloaded and converted once into the store's
    /// cache (<see cref="ConvertedModels"/>); an existing file of that name wins. To convert a checkpoint of your own,
    /// use the overload taking <see cref="BackboneOptions"/>.
    /// </remarks>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="model">The .onnx file written by the converter, or a zoo name.</param>
    /// <param name="inputColumnName">The Image column (from LoadImages).</param>
    /// <param name="options">Device, batch size, threads (ModelFile is taken from <paramref name="model"/>); null = defaults.</param>
    /// <exception cref="FileNotFoundException"><paramref name="model"/> is neither a file nor a zoo name.</exception>
    public static EstimatorChain<OnnxTransformer> ApplyBackbone(this TransformsCatalog catalog, string model, string inputColumnName = "Image", OnnxOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        if (!File.Exists(model) && MLNetAttn.Zoo.ModelZoo.TryGet(model, out _))
            return ApplyBackbone(catalog, model, new BackboneOptions { Onnx = options }, inputColumnName);
        if (!File.Exists(model))
            throw new FileNotFoundException(
                $"Backbone '{model}' is neither an ONNX file (looked for '{Path.GetFullPath(model)}') nor a zoo model name; see `mlnetattn zoo list` for the names.", model);
        return FromFile(catalog, model, inputColumnName, options);
    }

    /// <summary>
    /// A zoo backbone converted from a checkpoint you choose (or the official one), with its card's preprocessing:
    /// the checkpoint is resolved through the store (a URL is downloaded and verified), converted once into
    /// <c>{Home}/onnx</c> (<see cref="ConvertedModels.GetOnnxAsync"/>) and scored from there.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="model">A zoo name, e.g. <c>shvit_s4</c> or <c>efficientvit_b1.r256_in1k</c>.</param>
    /// <param name="options">Checkpoint, export options, store and scoring options.</param>
    /// <param name="inputColumnName">The Image column.</param>
    /// <exception cref="KeyNotFoundException">Not a zoo name.</exception>
    /// <exception cref="ArgumentException">The card has no released weights and <see cref="BackboneOptions.Checkpoint"/> is null.</exception>
    /// <exception cref="ModelDownloadException">The checkpoint could not be downloaded.</exception>
    public static EstimatorChain<OnnxTransformer> ApplyBackbone(this TransformsCatalog catalog, string model, BackboneOptions options, string inputColumnName = "Image")
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(options);
        // The store's calls do not capture the synchronization context, so blocking here cannot deadlock.
        var file = ConvertedModels.GetOnnxAsync(model, options.Checkpoint, options.Export, options.Store).GetAwaiter().GetResult();
        return FromFile(catalog, file, inputColumnName, options.Onnx);
    }

    private static EstimatorChain<OnnxTransformer> FromFile(TransformsCatalog catalog, string modelFile, string inputColumnName, OnnxOptions? options)
    {
        var scorer = new OnnxScoringEstimator(catalog.Context, (options ?? new OnnxOptions()) with { ModelFile = modelFile, ModelBytes = null });
        var model = scorer.Model;
        if (model.InputColumnNames.Count != 1)
            throw new ArgumentException($"Model '{modelFile}' has {model.InputColumnNames.Count} inputs; a backbone takes one image tensor.");
        var input = model.Session.GetInput(model.InputColumnNames[0]);
        var spec = BackboneSpec.FromOnnxMetadata(model.Metadata, input.Dimensions, modelFile);
        return ApplyBackbone(catalog, spec, scorer, inputColumnName);
    }

    /// <summary>
    /// A backbone with the preprocessing of a zoo card (<see cref="MLNetAttn.Zoo.ModelZoo"/>) at a resolution, for models
    /// whose ONNX file carries no metadata. The file's input must match the resolution.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="card">The card, e.g. <c>ModelZoo.Get("shvit_s4.in1k")</c>.</param>
    /// <param name="modelFile">The .onnx file.</param>
    /// <param name="resolution">Input size; null = the card's.</param>
    /// <param name="inputColumnName">The Image column.</param>
    /// <param name="options">Device, batch size, threads; null = defaults.</param>
    public static EstimatorChain<OnnxTransformer> ApplyBackbone(this TransformsCatalog catalog, MLNetAttn.Zoo.ModelCard card, string modelFile, int? resolution = null,
        string inputColumnName = "Image", OnnxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentException.ThrowIfNullOrEmpty(modelFile);
        var scorer = new OnnxScoringEstimator(catalog.Context, (options ?? new OnnxOptions()) with { ModelFile = modelFile, ModelBytes = null });
        return ApplyBackbone(catalog, BackboneSpec.FromCard(card, resolution), scorer, inputColumnName);
    }

    /// <summary>The backbone chain for a spec and a loaded scorer (what the overloads by file, card and zoo name build on; use it with
    /// <c>ApplyOnnxModel</c>'s scorer and a hand-made spec for a model that is not in the zoo).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="spec">The preprocessing.</param>
    /// <param name="scorer">The model.</param>
    /// <param name="inputColumnName">The Image column.</param>
    public static EstimatorChain<OnnxTransformer> ApplyBackbone(this TransformsCatalog catalog, BackboneSpec spec, OnnxScoringEstimator scorer, string inputColumnName = "Image")
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(scorer);
        var tensor = scorer.Model.InputColumnNames[0];
        var resized = $"{inputColumnName}.{spec.Width}x{spec.Height}";
        // A graph that takes uint8 pixels normalizes them itself (converter's Uint8Input): hand it the bytes.
        var pixels = scorer.Model.Session.GetInput(tensor).ElementType == OnnxElementType.UInt8
            ? catalog.ExtractPixels(tensor, resized, outputAsFloatArray: false)
            : catalog.ExtractPixels(tensor, resized, spec.Mean, spec.Std);
        return new EstimatorChain<ITransformer>()
            .Append(catalog.ResizeImages(resized, spec.Width, spec.Height, inputColumnName, ResizingKind.IsoCrop, Anchor.Center, spec.Interpolation, spec.ResizeSize))
            .Append(pixels)
            .Append(scorer);
    }
}
