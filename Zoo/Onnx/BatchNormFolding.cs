namespace MLNetAttn.Zoo.Onnx;

/// <summary>A weight and bias pair produced by folding a BatchNorm into a neighbouring layer.</summary>
/// <param name="Weight">The folded weight, same layout as the layer's weight.</param>
/// <param name="Bias">The folded bias, one value per output.</param>
public sealed record FoldedWeights(float[] Weight, float[] Bias);

/// <summary>
/// Folds inference-mode BatchNorm layers into the convolution or linear layer beside them, so the exported
/// graph has one Conv or Gemm where the checkpoint has two modules (timm's <c>Conv2d_BN.fuse()</c>,
/// <c>BN_Linear.fuse()</c>). Pure functions: inputs are read, never changed; arithmetic is in double and
/// rounded to float once.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>
    /// Folds BN(conv(x)) into one convolution: W'[o] = W[o] * s[o], b'[o] = (b[o] - mean[o]) * s[o] + beta[o],
    /// with s = gamma / sqrt(var + eps).
    /// </summary>
    /// <param name="weight">Conv weight [O, I / group, kh, kw] (any kernel rank), O = <paramref name="batchNorm"/>'s channels.</param>
    /// <param name="bias">Conv bias [O], or empty when the conv has none.</param>
    /// <param name="batchNorm">The BatchNorm after the conv.</param>
    public static FoldedWeights IntoConv(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, BatchNormParameters batchNorm)
        => FoldPerOutput(weight, bias, batchNorm, "conv");

    /// <summary>
    /// Folds BN1d(linear(x)) into one linear layer: the same per-output-row arithmetic as <see cref="IntoConv"/>.
    /// </summary>
    /// <param name="weight">Linear weight [O, I] (PyTorch layout), O = <paramref name="batchNorm"/>'s channels.</param>
    /// <param name="bias">Linear bias [O], or empty when the layer has none.</param>
    /// <param name="batchNorm">The BatchNorm1d after the linear layer.</param>
    public static FoldedWeights IntoLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, BatchNormParameters batchNorm)
        => FoldPerOutput(weight, bias, batchNorm, "linear");

    /// <summary>
    /// Folds linear(BN1d(x)) (timm's BN_Linear / NormLinear heads) into one linear layer:
    /// W'[o, i] = W[o, i] * s[i], b'[o] = b[o] + Σ_i W[o, i] * t[i], with s = gamma / sqrt(var + eps) and
    /// t = beta - mean * s.
    /// </summary>
    /// <param name="batchNorm">The BatchNorm1d before the linear layer; its channels are the linear inputs I.</param>
    /// <param name="weight">Linear weight [O, I].</param>
    /// <param name="bias">Linear bias [O], or empty when the layer has none.</param>
    public static FoldedWeights IntoFollowingLinear(BatchNormParameters batchNorm, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        int inputs = batchNorm.Channels;
        if (inputs == 0 || weight.Length % inputs != 0)
        {
            throw new ArgumentException($"A linear weight of {weight.Length} values is not [O, {inputs}] for a BatchNorm of {inputs} channels; check that the BatchNorm feeds this layer.", nameof(weight));
        }

        int outputs = weight.Length / inputs;
        CheckBias(bias, outputs, "linear");
        var scale = new double[inputs];
        var shift = new double[inputs];
        batchNorm.ScaleShift(scale, shift);

        var folded = new float[weight.Length];
        var foldedBias = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<float> row = weight.Slice(o * inputs, inputs);
            Span<float> outRow = folded.AsSpan(o * inputs, inputs);
            double acc = bias.IsEmpty ? 0 : bias[o];
            for (int i = 0; i < inputs; i++)
            {
                outRow[i] = (float)(row[i] * scale[i]);
                acc += row[i] * shift[i];
            }

            foldedBias[o] = (float)acc;
        }

        return new FoldedWeights(folded, foldedBias);
    }

    /// <summary>
    /// A standalone BatchNorm as a per-channel affine map y = x * Weight + Bias, for graphs that keep it as
    /// Mul and Add (or fold it by hand into something else).
    /// </summary>
    /// <param name="batchNorm">The BatchNorm.</param>
    public static FoldedWeights ToScaleShift(BatchNormParameters batchNorm)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        var scale = new double[batchNorm.Channels];
        var shift = new double[batchNorm.Channels];
        batchNorm.ScaleShift(scale, shift);
        return new FoldedWeights(Array.ConvertAll(scale, s => (float)s), Array.ConvertAll(shift, s => (float)s));
    }

    // Conv and linear share this: each output channel's weights form one contiguous block of the weight.
    private static FoldedWeights FoldPerOutput(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, BatchNormParameters batchNorm, string layer)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        int outputs = batchNorm.Channels;
        if (outputs == 0 || weight.Length % outputs != 0)
        {
            throw new ArgumentException($"A {layer} weight of {weight.Length} values does not split into {outputs} output channels; check that the BatchNorm follows this layer.", nameof(weight));
        }

        CheckBias(bias, outputs, layer);
        int perOutput = weight.Length / outputs;
        var scale = new double[outputs];
        var shift = new double[outputs];
        batchNorm.ScaleShift(scale, shift);

        var folded = new float[weight.Length];
        var foldedBias = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<float> block = weight.Slice(o * perOutput, perOutput);
            Span<float> outBlock = folded.AsSpan(o * perOutput, perOutput);
            for (int k = 0; k < perOutput; k++)
            {
                outBlock[k] = (float)(block[k] * scale[o]);
            }

            // (b - mean) * s + beta == b * s + (beta - mean * s)
            foldedBias[o] = (float)(((bias.IsEmpty ? 0 : bias[o]) * scale[o]) + shift[o]);
        }

        return new FoldedWeights(folded, foldedBias);
    }

    private static void CheckBias(ReadOnlySpan<float> bias, int outputs, string layer)
    {
        if (!bias.IsEmpty && bias.Length != outputs)
        {
            throw new ArgumentException($"The {layer} bias has {bias.Length} values but the layer has {outputs} outputs; pass an empty span when there is no bias.", nameof(bias));
        }
    }
}
