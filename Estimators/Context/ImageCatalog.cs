using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Transforms.Tensors;

namespace MLNetAttn.Estimators;

/// <summary>
/// Image estimators on <see cref="TransformsCatalog"/> (ML.NET's <c>ImageEstimatorsCatalog</c>): output column
/// first, input column second with null meaning "same as the output", defaults from each estimator's Defaults class.
/// </summary>
public static class ImageCatalog
{
    /// <summary>
    /// Decodes images from a Text column of paths (or a Vector&lt;Byte&gt; column of encoded files) into an Image column.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The Image column to create.</param>
    /// <param name="imageFolder">Folder relative paths are resolved against; null = paths as given.</param>
    /// <param name="inputColumnName">The column of paths or bytes; null = <paramref name="outputColumnName"/>.</param>
    /// <param name="decodeOptions">Decoding: EXIF rotation, ICC conversion (opt-in), limits; null = PIL-like defaults.</param>
    /// <param name="errorPolicy">What happens to a row whose image cannot be decoded.</param>
    /// <param name="errorColumnName">The Text column that receives the error under <see cref="RowErrorPolicy.Mark"/>.</param>
    /// <example>See Examples/ for a runnable program.</example>
    public static ImageLoadingEstimator LoadImages(this TransformsCatalog catalog, string outputColumnName, string? imageFolder, string? inputColumnName = null,
        ImageDecodeOptions? decodeOptions = null, RowErrorPolicy errorPolicy = ImageLoadingEstimator.Defaults.ErrorPolicy,
        string errorColumnName = ImageLoadingEstimator.Defaults.ErrorColumnName)
        => new(catalog.Context, new ImageLoadingOptions(outputColumnName, inputColumnName ?? outputColumnName, imageFolder, decodeOptions, errorPolicy, errorColumnName));

    /// <summary>
    /// Resizes images to <paramref name="imageWidth"/> × <paramref name="imageHeight"/>. For the timm/torchvision eval
    /// transform use <see cref="ResizingKind.IsoCrop"/> with <paramref name="resizeSize"/> = the model's resize_size and
    /// its interpolation (usually bicubic): the pixels equal PIL's <c>Resize(resize_size)</c> + <c>CenterCrop(size)</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The Image column to create.</param>
    /// <param name="imageWidth">Output width.</param>
    /// <param name="imageHeight">Output height.</param>
    /// <param name="inputColumnName">The Image column to read; null = <paramref name="outputColumnName"/>.</param>
    /// <param name="resizing">Fill, IsoPad (letterbox) or IsoCrop.</param>
    /// <param name="cropAnchor">Placement for crop and pad.</param>
    /// <param name="interpolation">Nearest, Bilinear, Bicubic or Lanczos (PIL's kernels, antialiased).</param>
    /// <param name="resizeSize">IsoCrop: the shorter side before cropping; null = just cover the target.</param>
    /// <param name="padColor">IsoPad: canvas colour; null = black.</param>
    public static ImageResizingEstimator ResizeImages(this TransformsCatalog catalog, string outputColumnName, int imageWidth, int imageHeight,
        string? inputColumnName = null, ResizingKind resizing = ImageResizingEstimator.Defaults.Resizing,
        Anchor cropAnchor = ImageResizingEstimator.Defaults.CropAnchor, ResizeKernel interpolation = ImageResizingEstimator.Defaults.Interpolation,
        int? resizeSize = null, RgbColor? padColor = null)
        => new(catalog.Context, new ImageResizingOptions(outputColumnName, imageWidth, imageHeight, inputColumnName ?? outputColumnName,
            resizing, cropAnchor, interpolation, resizeSize, padColor));

    /// <summary>
    /// Turns fixed-size images into a float vector column: <c>(v · scale − mean) / std</c> per channel, planar CHW
    /// unless <paramref name="interleavePixelColors"/>. Scale 1/255 with the model's mean and std is torchvision's
    /// ToTensor + Normalize, bit for bit.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The vector column to create (name it after the model's input tensor).</param>
    /// <param name="inputColumnName">The Image column; null = <paramref name="outputColumnName"/>.</param>
    /// <param name="mean">Per-channel mean (RGB); null = zeros.</param>
    /// <param name="std">Per-channel std (RGB); null = ones.</param>
    /// <param name="scale">Applied to the byte first.</param>
    /// <param name="colorOrder">RGB or BGR output planes.</param>
    /// <param name="interleavePixelColors">HWC instead of CHW.</param>
    /// <param name="outputAsFloatArray">Normalized floats (true) or the pixel bytes unchanged (false, for graphs that take uint8 pixels).</param>
    public static ImagePixelExtractingEstimator ExtractPixels(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null, float scale = ImagePixelExtractingEstimator.Defaults.Scale,
        ColorOrder colorOrder = ColorOrder.Rgb, bool interleavePixelColors = false, bool outputAsFloatArray = true)
        => new(catalog.Context, new ImagePixelExtractingOptions(outputColumnName, inputColumnName ?? outputColumnName, mean, std, scale, colorOrder, interleavePixelColors, outputAsFloatArray));

    /// <summary>
    /// Softmax, predicted label and top-k over a logits column. Labels default to ImageNet-1k for 1000 classes.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="inputColumnName">The logits column.</param>
    /// <param name="topK">How many classes the top-k columns list.</param>
    /// <param name="labels">Class names in index order; null = ImageNet-1k (1000 classes) or the index.</param>
    /// <param name="applySoftmax">Turn logits into probabilities.</param>
    public static ClassificationHeadEstimator ApplyClassificationHead(this TransformsCatalog catalog, string inputColumnName = "logits", int topK = 5,
        IReadOnlyList<string>? labels = null, bool applySoftmax = true)
        => new(catalog.Context, new ClassificationHeadOptions { InputColumnName = inputColumnName, TopK = topK, Labels = labels, ApplySoftmax = applySoftmax });

    /// <summary>The classification head with every option.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Column names, top-k, labels, softmax.</param>
    public static ClassificationHeadEstimator ApplyClassificationHead(this TransformsCatalog catalog, ClassificationHeadOptions options)
        => new(catalog.Context, options ?? throw new ArgumentNullException(nameof(options)));
}
