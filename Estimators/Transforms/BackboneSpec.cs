using System.Globalization;
using MLNetAttn.Transforms.Imaging;
using MLNetAttn.Zoo;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Estimators;

/// <summary>
/// The eval preprocessing a backbone expects, as its model card states it: input resolution, the shorter side
/// to resize to before the centre crop, the resampling kernel and the normalization. Read from the ONNX metadata
/// the converter writes (<see cref="FromOnnxMetadata"/>) or taken from a zoo card (<see cref="FromCard"/>).
/// </summary>
/// <param name="ModelName">The model's name (e.g. <c>shvit_s4.in1k</c>), or null.</param>
/// <param name="Height">Input height.</param>
/// <param name="Width">Input width.</param>
/// <param name="ResizeSize">Shorter side before the centre crop.</param>
/// <param name="Interpolation">Resampling kernel.</param>
/// <param name="Mean">Per-channel mean (RGB, 0..1 scale).</param>
/// <param name="Std">Per-channel standard deviation.</param>
public sealed record BackboneSpec(string? ModelName, int Height, int Width, int ResizeSize, ResizeKernel Interpolation, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>The spec of a zoo card at a resolution (the card's own when null), rounded as the family's eval script rounds it.</summary>
    public static BackboneSpec FromCard(ModelCard card, int? resolution = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        var size = resolution ?? card.InputSize;
        return new BackboneSpec(card.Name, size, size, card.ResizeSizeFor(size), Kernel(card.Interpolation.ToString()), card.Mean, card.Std);
    }

    /// <summary>
    /// The spec from an ONNX model's metadata (<see cref="OnnxMetadataKeys"/>: resolution, resize_size, crop_pct,
    /// interpolation, mean, std). Missing entries: resolution from the model's fixed input dims; resize_size =
    /// floor(size / crop_pct) as timm computes it, or the size itself without crop_pct; interpolation bicubic;
    /// mean and std ImageNet's. Malformed entries are refused.
    /// </summary>
    /// <param name="metadata">The metadata.</param>
    /// <param name="inputDims">The model input's dims ([N, 3, H, W]; symbolic ones ≤ 0), for a missing resolution.</param>
    /// <param name="source">The model's name in messages.</param>
    /// <exception cref="InvalidDataException">A value is malformed or the resolution cannot be determined.</exception>
    public static BackboneSpec FromOnnxMetadata(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<long> inputDims, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int height, width;
        if (metadata.TryGetValue(OnnxMetadataKeys.Resolution, out var res))
        {
            var parts = res.Split(',');
            if (parts.Length is not (1 or 2) || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is > 0 and <= 1 << 16))
                throw Bad(source, OnnxMetadataKeys.Resolution, res, "\"height,width\" in pixels");
            height = int.Parse(parts[0], CultureInfo.InvariantCulture);
            width = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        }
        else if (inputDims.Count == 4 && inputDims[2] > 0 && inputDims[3] > 0)
        {
            (height, width) = ((int)inputDims[2], (int)inputDims[3]);
        }
        else
        {
            throw new InvalidDataException($"Model '{source}' has no '{OnnxMetadataKeys.Resolution}' metadata and no fixed input size; convert it with the MLNetAttn converter or give the size explicitly.");
        }

        int resize;
        if (metadata.TryGetValue("resize_size", out var rs))
        {
            if (!int.TryParse(rs, NumberStyles.None, CultureInfo.InvariantCulture, out resize) || resize < Math.Max(height, width) || resize > 1 << 16)
                throw Bad(source, "resize_size", rs, $"an integer of at least {Math.Max(height, width)}");
        }
        else if (metadata.TryGetValue(OnnxMetadataKeys.CropPct, out var cp))
        {
            if (!double.TryParse(cp, NumberStyles.Float, CultureInfo.InvariantCulture, out var pct) || !(pct > 0 && pct <= 1))
                throw Bad(source, OnnxMetadataKeys.CropPct, cp, "a number in (0, 1]");
            resize = (int)Math.Floor(Math.Max(height, width) / pct);
        }
        else
        {
            resize = Math.Max(height, width);
        }

        var interpolation = metadata.TryGetValue(OnnxMetadataKeys.Interpolation, out var ip) ? Kernel(ip, source) : ResizeKernel.Bicubic;
        var mean = metadata.TryGetValue(OnnxMetadataKeys.Mean, out var m) ? Triple(m, source, OnnxMetadataKeys.Mean, positive: false) : ModelCard.ImageNetMean;
        var std = metadata.TryGetValue(OnnxMetadataKeys.Std, out var s) ? Triple(s, source, OnnxMetadataKeys.Std, positive: true) : ModelCard.ImageNetStd;
        return new BackboneSpec(metadata.GetValueOrDefault(OnnxMetadataKeys.ModelName), height, width, resize, interpolation, mean, std);
    }

    private static ResizeKernel Kernel(string name, string? source = null) => name.ToLowerInvariant() switch
    {
        "nearest" => ResizeKernel.Nearest,
        "bilinear" => ResizeKernel.Bilinear,
        "bicubic" => ResizeKernel.Bicubic,
        "lanczos" => ResizeKernel.Lanczos,
        _ => throw Bad(source ?? "card", OnnxMetadataKeys.Interpolation, name, "nearest, bilinear, bicubic or lanczos"),
    };

    private static float[] Triple(string text, string source, string key, bool positive)
    {
        var parts = text.Split(',');
        var values = new float[3];
        if (parts.Length != 3)
            throw Bad(source, key, text, "three numbers \"r,g,b\"");
        for (var i = 0; i < 3; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]) || (positive && values[i] <= 0))
                throw Bad(source, key, text, positive ? "three positive numbers" : "three finite numbers");
        return values;
    }

    private static InvalidDataException Bad(string source, string key, string value, string expected)
        => new($"Model '{source}': metadata '{key}' = '{value}' is not {expected}. Re-export the model or fix its metadata.");
}
