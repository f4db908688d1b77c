using System.Text.Json;
using System.Text.Json.Serialization;
using MLNetAttn.Zoo.Architectures;

namespace MLNetAttn.Examples.Digits;

/// <summary>
/// model/digits_shvit.json as written by train_digits.py: the network's configuration, its preprocessing, its labels,
/// and PyTorch's prediction for every test image.
/// </summary>
public sealed class DigitsModelConfig
{
    /// <summary>SHViT stage configuration (embed_dim, depth, partial_dim, types, qk_dim).</summary>
    [JsonPropertyName("config")] public required ShvitJson Config { get; init; }

    /// <summary>Class labels in index order.</summary>
    [JsonPropertyName("labels")] public required string[] Labels { get; init; }

    /// <summary>Input side in pixels.</summary>
    [JsonPropertyName("resolution")] public required int Resolution { get; init; }

    /// <summary>Shorter side before the centre crop (crop_pct 1.0: the resolution itself).</summary>
    [JsonPropertyName("resize_size")] public required int ResizeSize { get; init; }

    /// <summary>Resampling kernel name.</summary>
    [JsonPropertyName("interpolation")] public required string Interpolation { get; init; }

    /// <summary>Per-channel mean.</summary>
    [JsonPropertyName("mean")] public required float[] Mean { get; init; }

    /// <summary>Per-channel standard deviation.</summary>
    [JsonPropertyName("std")] public required float[] Std { get; init; }

    /// <summary>Accuracy PyTorch measured on the test images.</summary>
    [JsonPropertyName("test_accuracy")] public double TestAccuracy { get; init; }

    /// <summary>PyTorch's prediction per test image.</summary>
    [JsonPropertyName("predictions")] public required TorchPrediction[] Predictions { get; init; }

    /// <summary>The architecture this configuration describes.</summary>
    public ShvitArchitecture Architecture() => new("digits_shvit",
        new ShvitConfig(Config.EmbedDim, Config.Depth, Config.PartialDim, Config.Types, Config.QkDim), Resolution);

    /// <summary>Reads the configuration file.</summary>
    /// <exception cref="InvalidDataException">The file is not the configuration train_digits.py writes.</exception>
    public static DigitsModelConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<DigitsModelConfig>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"'{path}' holds null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not the model configuration train_digits.py writes ({e.Message}). Restore it from the repository.", e);
        }
    }
}

/// <summary>The SHViT block of the configuration, with the reference module's field names.</summary>
public sealed class ShvitJson
{
    /// <summary>Channels per stage.</summary>
    [JsonPropertyName("embed_dim")] public required int[] EmbedDim { get; init; }

    /// <summary>Blocks per stage.</summary>
    [JsonPropertyName("depth")] public required int[] Depth { get; init; }

    /// <summary>Attention channels per stage.</summary>
    [JsonPropertyName("partial_dim")] public required int[] PartialDim { get; init; }

    /// <summary>Mixer type per stage.</summary>
    [JsonPropertyName("types")] public required string Types { get; init; }

    /// <summary>Query/key width per stage.</summary>
    [JsonPropertyName("qk_dim")] public int[]? QkDim { get; init; }
}

/// <summary>PyTorch's result for one test image.</summary>
public sealed class TorchPrediction
{
    /// <summary>Path relative to Examples/Digits, e.g. images/test/2/0002.png.</summary>
    [JsonPropertyName("path")] public required string Path { get; init; }

    /// <summary>The true digit.</summary>
    [JsonPropertyName("label")] public int Label { get; init; }

    /// <summary>PyTorch's predicted digit.</summary>
    [JsonPropertyName("predicted")] public int Predicted { get; init; }

    /// <summary>PyTorch's probability of the predicted digit (rounded to 6 decimals).</summary>
    [JsonPropertyName("score")] public double Score { get; init; }
}
