using MLNetAttn.Zoo.Checkpoints;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>
/// Hands an architecture builder the checkpoint tensors it asks for by their official names, checking each
/// shape, and remembers which were taken, so a conversion can prove it used every weight exactly once
/// (a checkpoint of another variant or a renamed layout fails loudly instead of converting silently).
/// </summary>
public sealed class WeightReader
{
    private readonly Checkpoint _checkpoint;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Reads from <paramref name="checkpoint"/> for the model named <paramref name="model"/> (used in messages).</summary>
    public WeightReader(Checkpoint checkpoint, string model)
    {
        _checkpoint = checkpoint ?? throw new ArgumentNullException(nameof(checkpoint));
        Model = model;
    }

    /// <summary>The model the weights are read for.</summary>
    public string Model { get; }

    /// <summary>True when the checkpoint holds <paramref name="name"/>.</summary>
    public bool Has(string name) => _checkpoint.ContainsKey(name);

    /// <summary>The shape of <paramref name="name"/> as stored.</summary>
    public long[] ShapeOf(string name) => Find(name).Shape.ToArray();

    /// <summary>
    /// Returns <paramref name="name"/> as float32, after checking it has exactly <paramref name="shape"/>
    /// (pass no dimensions to accept any shape).
    /// </summary>
    public float[] Get(string name, params long[] shape)
    {
        var tensor = Find(name);
        if (shape.Length > 0 && !tensor.Shape.SequenceEqual(shape))
            throw Mismatch(tensor, shape);
        _used.Add(name);
        return tensor.ToFloat32();
    }

    /// <summary>
    /// A convolution weight [out, in / groups, k, k]. A 1×1 kernel may also be stored as [out, in]
    /// (SHViT's release stores some that way; its loader reshapes them).
    /// </summary>
    public float[] ConvWeight(string name, long outChannels, long inPerGroup, long kernel)
    {
        var tensor = Find(name);
        long[] full = [outChannels, inPerGroup, kernel, kernel];
        var fits = tensor.Shape.SequenceEqual(full) || (kernel == 1 && tensor.Shape.SequenceEqual([outChannels, inPerGroup]));
        if (!fits)
            throw Mismatch(tensor, full);
        _used.Add(name);
        return tensor.ToFloat32();
    }

    /// <summary>
    /// The BatchNorm at <paramref name="prefix"/> (<c>.weight</c>, <c>.bias</c>, <c>.running_mean</c>,
    /// <c>.running_var</c>; <c>.num_batches_tracked</c> is training state and is accepted unused).
    /// </summary>
    public BatchNormParameters BatchNorm(string prefix, long channels, double epsilon)
    {
        var bn = new BatchNormParameters(
            Get(prefix + ".weight", channels), Get(prefix + ".bias", channels),
            Get(prefix + ".running_mean", channels), Get(prefix + ".running_var", channels), epsilon);
        _used.Add(prefix + ".num_batches_tracked");
        return bn;
    }

    /// <summary>Checkpoint tensors no builder asked for (training-only counters excluded).</summary>
    public IReadOnlyList<string> Unused()
        => _checkpoint.Keys.Where(k => !_used.Contains(k) && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();

    /// <summary>Throws when the checkpoint holds tensors the architecture did not use.</summary>
    /// <exception cref="CheckpointFormatException">Some tensors were left over; the message lists them.</exception>
    public void EnsureAllUsed()
    {
        var unused = Unused();
        if (unused.Count > 0)
            throw new CheckpointFormatException(_checkpoint.FilePath,
                $"checkpoint '{Path.GetFileName(_checkpoint.FilePath)}' has {unused.Count} tensors that {Model} does not use " +
                $"(first: {string.Join(", ", unused.Take(8))}); it is probably a checkpoint of another variant or architecture.");
    }

    private CheckpointTensor Find(string name)
        => _checkpoint.TryGetValue(name, out var tensor)
            ? tensor
            : throw new CheckpointFormatException(_checkpoint.FilePath,
                $"checkpoint '{Path.GetFileName(_checkpoint.FilePath)}' has no tensor '{name}', which {Model} needs " +
                $"(it holds {_checkpoint.Count} tensors, e.g. {string.Join(", ", _checkpoint.Keys.Take(3))}); is it a checkpoint of another architecture?");

    private CheckpointFormatException Mismatch(CheckpointTensor tensor, long[] expected)
        => new(_checkpoint.FilePath,
            $"checkpoint '{Path.GetFileName(_checkpoint.FilePath)}': tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape.ToArray())}], " +
            $"but {Model} expects [{string.Join(", ", expected)}]; the checkpoint is of another variant (or another number of classes).");
}
