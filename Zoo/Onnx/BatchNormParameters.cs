namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// The inference-time parameters of a BatchNorm layer (PyTorch's BatchNorm1d/2d in eval mode):
/// y = (x - mean) / sqrt(variance + epsilon) * gamma + beta, per channel.
/// </summary>
/// <remarks>The arrays are borrowed, not copied.</remarks>
public sealed class BatchNormParameters
{
    /// <summary>Collects the four per-channel tensors of a BatchNorm layer and its epsilon.</summary>
    /// <param name="gamma">Scale ("weight" in a checkpoint) [C].</param>
    /// <param name="beta">Shift ("bias") [C].</param>
    /// <param name="mean">Running mean ("running_mean") [C].</param>
    /// <param name="variance">Running variance ("running_var") [C].</param>
    /// <param name="epsilon">Added to the variance; PyTorch's default is 1e-5 (EfficientViT-L uses 1e-7). Default = 1e-5.</param>
    public BatchNormParameters(ReadOnlyMemory<float> gamma, ReadOnlyMemory<float> beta, ReadOnlyMemory<float> mean, ReadOnlyMemory<float> variance, double epsilon = 1e-5)
    {
        int c = gamma.Length;
        if (beta.Length != c || mean.Length != c || variance.Length != c)
        {
            throw new ArgumentException($"BatchNorm tensors must all have one value per channel; got gamma {gamma.Length}, beta {beta.Length}, mean {mean.Length}, variance {variance.Length}. Check the checkpoint keys.");
        }

        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "BatchNorm epsilon must be zero or positive.");
        }

        Gamma = gamma;
        Beta = beta;
        Mean = mean;
        Variance = variance;
        Epsilon = epsilon;
    }

    /// <summary>Scale [C].</summary>
    public ReadOnlyMemory<float> Gamma { get; }

    /// <summary>Shift [C].</summary>
    public ReadOnlyMemory<float> Beta { get; }

    /// <summary>Running mean [C].</summary>
    public ReadOnlyMemory<float> Mean { get; }

    /// <summary>Running variance [C].</summary>
    public ReadOnlyMemory<float> Variance { get; }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Number of channels C.</summary>
    public int Channels => Gamma.Length;

    /// <summary>
    /// The layer as y = x * scale + shift per channel, in double precision:
    /// scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale.
    /// </summary>
    /// <param name="scale">Receives C scales.</param>
    /// <param name="shift">Receives C shifts.</param>
    internal void ScaleShift(Span<double> scale, Span<double> shift)
    {
        ReadOnlySpan<float> g = Gamma.Span, b = Beta.Span, m = Mean.Span, v = Variance.Span;
        for (int c = 0; c < Channels; c++)
        {
            scale[c] = g[c] / Math.Sqrt((double)v[c] + Epsilon);
            shift[c] = b[c] - (m[c] * scale[c]);
        }
    }
}
