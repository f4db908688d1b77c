using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>Convolution helpers shared by the families: conv + BatchNorm folded into one Conv node.</summary>
public static class ConvLayers
{
    /// <summary>
    /// conv(x) followed by BatchNorm, emitted as one Conv with the BatchNorm folded in (timm's
    /// <c>Conv2d_BN.fuse()</c>). With <paramref name="batchNormPrefix"/> null it is a plain conv.
    /// </summary>
    /// <param name="graph">The graph.</param>
    /// <param name="x">Input [batch, inChannels, H, W].</param>
    /// <param name="weights">The checkpoint.</param>
    /// <param name="convWeight">Name of the conv weight, e.g. <c>patch_embed.0.c.weight</c>.</param>
    /// <param name="convBias">Name of the conv bias, or null when the conv has none.</param>
    /// <param name="batchNormPrefix">Prefix of the BatchNorm after the conv, or null.</param>
    /// <param name="epsilon">The BatchNorm's epsilon.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Square kernel size.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="groups">Groups (inChannels for a depthwise conv).</param>
    /// <param name="padding">Padding; default kernel / 2 (PyTorch's "same" for odd kernels).</param>
    public static GraphValue ConvBn(GraphBuilder graph, GraphValue x, WeightReader weights, string convWeight, string? convBias, string? batchNormPrefix, double epsilon,
        int inChannels, int outChannels, int kernel, int stride = 1, int groups = 1, int? padding = null)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{convWeight}: {inChannels} -> {outChannels} channels cannot be split in {groups} groups.");
        var weight = weights.ConvWeight(convWeight, outChannels, inChannels / groups, kernel);
        var bias = convBias is null ? [] : weights.Get(convBias, outChannels);
        if (batchNormPrefix is not null)
        {
            var folded = BatchNormFolding.IntoConv(weight, bias, weights.BatchNorm(batchNormPrefix, outChannels, epsilon));
            (weight, bias) = (folded.Weight, folded.Bias);
        }
        var w = graph.Initializer(Strip(convWeight) + ".weight", weight, [outChannels, inChannels / groups, kernel, kernel]);
        GraphValue? b = bias.Length == 0 ? null : graph.Initializer(Strip(convWeight) + ".bias", bias, [outChannels]);
        return graph.Conv(x, w, b, stride: stride, padding: padding ?? kernel / 2, group: groups);
    }

    private static string Strip(string weightName)
        => weightName.EndsWith(".weight", StringComparison.Ordinal) ? weightName[..^".weight".Length] : weightName;
}
