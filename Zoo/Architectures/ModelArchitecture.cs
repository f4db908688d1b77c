using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>A named intermediate output a head can consume (a stage's feature map, the pooled vector).</summary>
/// <param name="Name">Output name in the graph, e.g. <c>stage3</c> or <c>pooled</c>.</param>
/// <param name="Value">The graph value.</param>
/// <param name="Dims">Its dimensions after the batch axis, e.g. [C, H, W] or [C].</param>
public sealed record FeatureOutput(string Name, GraphValue Value, IReadOnlyList<long> Dims);

/// <summary>What an architecture builder produced: the logits and the named features.</summary>
/// <param name="Logits">Classifier output [batch, NumClasses].</param>
/// <param name="NumClasses">Number of classes, read from the checkpoint's classifier.</param>
/// <param name="Features">Named intermediate outputs, in network order.</param>
public sealed record ArchitectureGraph(GraphValue Logits, int NumClasses, IReadOnlyList<FeatureOutput> Features);

/// <summary>
/// One variant of a model family as a graph builder: turns official checkpoint weights into ONNX nodes.
/// Implementations are immutable and describe their configuration; <see cref="Build"/> may be called many times.
/// </summary>
public abstract class ModelArchitecture
{
    /// <summary>Variant name, e.g. <c>shvit_s4</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The family.</summary>
    public abstract ModelFamily Family { get; }

    /// <summary>The resolution the variant is evaluated at by default.</summary>
    public abstract int DefaultResolution { get; }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> stating the rule when the architecture cannot take
    /// a square input of <paramref name="resolution"/> pixels.
    /// </summary>
    public virtual void ValidateResolution(int resolution)
    {
        if (resolution < 32 || resolution > 4096)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, $"{Name} takes input sizes from 32 to 4096 pixels.");
    }

    /// <summary>
    /// Adds the network to <paramref name="graph"/>: <paramref name="input"/> is [batch, 3, resolution, resolution],
    /// normalized. Every checkpoint tensor must be taken from <paramref name="weights"/>.
    /// </summary>
    public abstract ArchitectureGraph Build(GraphBuilder graph, GraphValue input, WeightReader weights, int resolution);
}
