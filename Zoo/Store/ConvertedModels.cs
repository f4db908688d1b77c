using System.Globalization;
using MLNetAttn.Zoo.Architectures;

namespace MLNetAttn.Zoo.Store;

/// <summary>
/// Zoo models as ready-to-score ONNX files: the checkpoint is resolved through a <see cref="ModelStore"/>
/// (downloaded and verified when it is a URL), converted once with <see cref="ModelConverter"/>, and the result is
/// kept in the store's home so later calls, in this process or another, reuse it.
/// </summary>
/// <remarks>
/// Layout: <c>{Home}/onnx/{card name}_r{resolution}[_fp16][_features][_u8][_opset{n}]_{sha12}.onnx</c>, where sha12 is the
/// first 12 hex digits of the checkpoint's SHA-256, so a different checkpoint (or a re-released one) never
/// reuses a stale conversion. The file is written to a temporary name and renamed, so a reader never sees a
/// half-written model; two processes converting at once both produce the same bytes.
/// </remarks>
public static class ConvertedModels
{
    /// <summary>The folder under <see cref="ModelStoreOptions.Home"/> that holds converted models.</summary>
    public const string FolderName = "onnx";

    /// <summary>
    /// Returns the path of the converted ONNX model of <paramref name="model"/>, converting it first when the cache
    /// does not hold it yet.
    /// </summary>
    /// <param name="model">A zoo name: architecture (<c>shvit_s4</c>) or <c>arch.tag</c> (<c>efficientvit_b1.r256_in1k</c>).</param>
    /// <param name="checkpoint">A local .pth/.safetensors file or an http(s) URL; null = the card's official URL.</param>
    /// <param name="options">Resolution, fp16 weights, feature outputs; null = the card's defaults.</param>
    /// <param name="store">The store that resolves the checkpoint and whose home keeps the result; null = a store with default options (MLNETATTN_HOME, MLNETATTN_OFFLINE).</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <exception cref="KeyNotFoundException">Not a zoo name.</exception>
    /// <exception cref="ArgumentException">The card has no released weights and no checkpoint was given.</exception>
    /// <exception cref="ModelDownloadException">The checkpoint could not be downloaded (offline, not found, hash mismatch).</exception>
    /// <exception cref="FileNotFoundException">The checkpoint is neither a file nor a URL.</exception>
    public static async Task<string> GetOnnxAsync(string model, string? checkpoint = null, ExportOptions? options = null, ModelStore? store = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var card = ModelZoo.Get(model);
        options ??= new ExportOptions();
        var source = checkpoint ?? card.Url
            ?? throw new ArgumentException(
                $"{card.Name} has no released weights ({card.Notes}) Give a checkpoint trained with the official code (--checkpoint <path|url>, or the checkpoint argument).",
                nameof(checkpoint));

        var owned = store is null ? new ModelStore() : null;
        try
        {
            var s = store ?? owned!;
            var local = await s.ResolveAsync(source, source == card.Url ? card.Sha256 : null, cancellationToken).ConfigureAwait(false);
            var sha = await ModelStore.HashAsync(local, cancellationToken).ConfigureAwait(false);
            var target = Path.Combine(s.Options.Home, FolderName, FileName(card, options, sha));
            if (File.Exists(target))
                return target;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Export writes beside the target and renames, so the check above never sees a partial file.
            ModelConverter.Export(card.Name, local, target, options);
            return target;
        }
        finally
        {
            owned?.Dispose();
        }
    }

    /// <summary>The cache file name of a conversion: <c>{card}_r{res}[_fp16][_features][_u8][_opset{n}]_{sha12}.onnx</c>.</summary>
    /// <param name="card">The model card.</param>
    /// <param name="options">The export options.</param>
    /// <param name="checkpointSha256">The checkpoint's SHA-256 (hex).</param>
    public static string FileName(ModelCard card, ExportOptions options, string checkpointSha256)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(options);
        if (checkpointSha256 is not { Length: >= 12 })
            throw new ArgumentException($"'{checkpointSha256}' is not a SHA-256 hex digest.", nameof(checkpointSha256));
        var resolution = options.Resolution ?? card.InputSize;
        return string.Create(CultureInfo.InvariantCulture,
            $"{card.Name}_r{resolution}{(options.Fp16Weights ? "_fp16" : "")}{(options.Features ? "_features" : "")}{(options.Uint8Input ? "_u8" : "")}" +
            $"{(options.Opset != Onnx.GraphBuilder.DefaultOpset ? $"_opset{options.Opset}" : "")}_{checkpointSha256[..12].ToLowerInvariant()}.onnx");
    }
}
