using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MLNetAttn.Estimators;
using MLNetAttn.Zoo;
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
        var card = ModelZoo.Get(model);
        var source = checkpoint ?? card.Url
            ?? throw new ArgumentException($"{card.Name} has no released weights ({card.Notes}) Pass --checkpoint with a checkpoint trained with the official code.");
        using var store = new ModelStore(logger: logging.CreateLogger("MLNetAttn.Store"));
        var local = await store.ResolveAsync(source, source == card.Url ? card.Sha256 : null, cancellationToken).ConfigureAwait(false);
        var onnx = ConvertCached(card, local, resolution, store.Options.Home, logging.CreateLogger("MLNetAttn.Score"));
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

    // Converts into the cache under a name that changes with the checkpoint's content. ConvertedModels.GetOnnxAsync in
    // Zoo/Store does the same job for every command (same file names); this private copy can be switched to it.
    private static string ConvertCached(ModelCard card, string checkpoint, int? resolution, string home, ILogger log)
    {
        string sha;
        using (var stream = File.OpenRead(checkpoint))
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        var size = resolution ?? card.InputSize;
        var folder = Path.Combine(home, "onnx");
        Directory.CreateDirectory(folder);
        // The layout of ConvertedModels (Zoo/Store), so both share one cache: {card}_r{res}_features_{sha12}.onnx.
        var target = Path.Combine(folder, $"{card.Name}_r{size}_features_{sha[..12]}.onnx");
        if (File.Exists(target))
            return target;
        var staging = $"{target}.{Environment.ProcessId}.partial";
        log.LogInformation("Converting {Model} at {Resolution} px from {Checkpoint} into {Target}", card.Name, size, checkpoint, target);
        ModelConverter.Export(card.Name, checkpoint, staging, new ExportOptions { Resolution = size, Features = true });
        // Concurrent shards may convert at once; the rename makes whichever finishes last win with an identical file.
        File.Move(staging, target, overwrite: true);
        return target;
    }
}
