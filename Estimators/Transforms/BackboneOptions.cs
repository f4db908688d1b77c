using MLNetAttn.Zoo.Architectures;
using MLNetAttn.Zoo.Store;

namespace MLNetAttn.Estimators;

/// <summary>
/// How <see cref="OnnxCatalog.ApplyBackbone(TransformsCatalog, string, BackboneOptions, string)"/> gets a zoo model:
/// which checkpoint to convert, at which resolution, with which store, and how to run it.
/// </summary>
/// <example>
/// <code>
/// vision.Transforms.ApplyBackbone("cloformer_xs", new BackboneOptions { Checkpoint = "my_cloformer.pth" });
/// vision.Transforms.ApplyBackbone("efficientvit_b1.r256_in1k", new BackboneOptions { Onnx = new OnnxOptions { BatchSize = 32 } });
/// </code>
/// </example>
public sealed record BackboneOptions
{
    /// <summary>A local .pth/.safetensors checkpoint or an http(s) URL; null = the card's official release. Default = null.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Resolution, fp16 weights, feature outputs of the conversion; null = the card's defaults. Default = null.</summary>
    public ExportOptions? Export { get; init; }

    /// <summary>The store that downloads checkpoints and keeps converted models; null = default options (MLNETATTN_HOME, MLNETATTN_OFFLINE).</summary>
    public ModelStore? Store { get; init; }

    /// <summary>Device, batch size, threads of the scorer (its ModelFile is set by the backbone); null = defaults.</summary>
    public OnnxOptions? Onnx { get; init; }
}
