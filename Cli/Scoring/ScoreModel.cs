using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MLNetAttn.Estimators;
using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Onnx;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Cli.Scoring;

/// <summary>
/// The model a job scores with: an ONNX file, its id (the metadata's <c>model_name</c>, else the file name) and the hash
/// of the weights it came from (the metadata's <c>source_sha256</c>, else the SHA-256 of the ONNX file itself).
/// </summary>
internal sealed record ScoreModel(string OnnxPath, string ModelId, string CheckpointSha256, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>
    /// Resolves <c>--model</c>: an existing .onnx file is used as it is; a zoo name (shvit_s4, efficientvit_b1.r256_in1k)
    /// has its checkpoint (<c>--checkpoint</c>, else the card's official URL, through <see cref="ModelStore"/>) converted
    /// once into <c>{MLNETATTN_HOME}/onnx/</c>, keyed by model, resolution and checkpoint hash, with the feature outputs
    /// (so one file serves both <c>--top</c> and <c>--features</c>).
    /// </summary>
    public static async Task<ScoreModel> ResolveAsync(string model, string? checkpoint, int? resolution, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        if (model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || File.Exists(model))
        {
            if (!File.Exists(model))
                throw new FileNotFoundException($"Model file '{model}' does not exist (looked for '{Path.GetFullPath(model)}'). Give an .onnx file or a zoo name (mlnetattn zoo list).", model);
            return FromFile(Path.GetFullPath(model));
        }
        using var store = new ModelStore(logger: logging.CreateLogger("MLNetAttn.Store"));
        var onnx = await ConvertedModels.GetOnnxAsync(model, checkpoint, new ExportOptions { Resolution = resolution, Features = true }, store, cancellationToken)
            .ConfigureAwait(false);
        return FromFile(onnx);
    }

    /// <summary>Reads the model's metadata and derives its id and checkpoint hash.</summary>
    public static ScoreModel FromFile(string onnxPath)
    {
        var bytes = File.ReadAllBytes(onnxPath);
        var metadata = OnnxModelMetadata.Read(bytes);
        var id = metadata.TryGetValue(OnnxMetadataKeys.ModelName, out var name) && name.Length > 0 ? name : Path.GetFileNameWithoutExtension(onnxPath);
        if (metadata.TryGetValue(OnnxMetadataKeys.Resolution, out var res) && res.Split(',') is [var h, var w] && h == w)
            id += "@" + h;
        var sha = metadata.TryGetValue(OnnxMetadataKeys.SourceSha256, out var source) && source.Length > 0
            ? source
            : Convert.ToHexStringLower(SHA256.HashData(bytes));
        return new ScoreModel(onnxPath, id, sha, metadata);
    }
}
