using System.Globalization;
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>
/// One CloFormer variant, with the fields of the official <c>model_factory.py</c> entries (timm style: a variant
/// is a short literal of per-stage values).
/// </summary>
/// <param name="EmbedDims">Channels of each stage (the stem outputs the first).</param>
/// <param name="Depths">Blocks per stage; the last block of every stage but the final one halves the resolution.</param>
/// <param name="NumHeads">Attention heads per stage; head_dim = EmbedDims[i] / NumHeads[i].</param>
/// <param name="GroupSplits">Per stage, heads of each AttnConv (one per kernel size) followed by the global heads.</param>
/// <param name="KernelSizes">Per stage, the depthwise kernel of each AttnConv group.</param>
public sealed record CloFormerConfig(
    IReadOnlyList<int> EmbedDims,
    IReadOnlyList<int> Depths,
    IReadOnlyList<int> NumHeads,
    IReadOnlyList<IReadOnlyList<int>> GroupSplits,
    IReadOnlyList<IReadOnlyList<int>> KernelSizes)
{
    /// <summary>Average-pooling window of the global heads' keys and values per stage. Default = (8, 4, 2, 1).</summary>
    public IReadOnlyList<int> WindowSizes { get; init; } = [8, 4, 2, 1];

    /// <summary>Depthwise kernel of each stage's ConvFFN (and of the downsampling conv). Default = 5 everywhere.</summary>
    public IReadOnlyList<int> MlpKernelSizes { get; init; } = [5, 5, 5, 5];

    /// <summary>ConvFFN hidden width as a multiple of the stage width. Default = 4 everywhere.</summary>
    public IReadOnlyList<int> MlpRatios { get; init; } = [4, 4, 4, 4];

    /// <summary>Number of stages.</summary>
    public int Stages => Depths.Count;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        int n = Depths.Count;
        if (n == 0)
            throw new ArgumentException("A CloFormer config needs at least one stage (Depths is empty).");
        foreach (var (field, count) in new[] { (nameof(EmbedDims), EmbedDims.Count), (nameof(NumHeads), NumHeads.Count), (nameof(GroupSplits), GroupSplits.Count),
                     (nameof(KernelSizes), KernelSizes.Count), (nameof(WindowSizes), WindowSizes.Count), (nameof(MlpKernelSizes), MlpKernelSizes.Count), (nameof(MlpRatios), MlpRatios.Count) })
        {
            if (count != n)
                throw new ArgumentException($"CloFormer config: {field} has {count} entries but Depths has {n}; give one per stage.");
        }

        for (int i = 0; i < n; i++)
        {
            if (Depths[i] < 1 || EmbedDims[i] < 1 || NumHeads[i] < 1 || EmbedDims[i] % NumHeads[i] != 0)
                throw new ArgumentException($"CloFormer config, stage {i}: {EmbedDims[i]} channels, {NumHeads[i]} heads and depth {Depths[i]} do not fit (heads must divide channels, depth >= 1).");
            if (GroupSplits[i].Count != KernelSizes[i].Count + 1 || GroupSplits[i].Sum() != NumHeads[i] || GroupSplits[i].Any(g => g < 0))
                throw new ArgumentException($"CloFormer config, stage {i}: group split [{string.Join(", ", GroupSplits[i])}] must list the heads of each of the {KernelSizes[i].Count} kernel sizes and then the global heads, summing to {NumHeads[i]}.");
            if (KernelSizes[i].Any(k => k < 1 || k % 2 == 0) || MlpKernelSizes[i] < 1 || MlpKernelSizes[i] % 2 == 0 || WindowSizes[i] < 1 || MlpRatios[i] < 1)
                throw new ArgumentException($"CloFormer config, stage {i}: kernels must be odd and windows and ratios positive.");
        }
    }
}

/// <summary>
/// CloFormer (Fan, Huang, Guan, He, "Rethinking Local Perception in Lightweight Vision Transformer",
/// arXiv:2303.17803; official code github.com/qhfan/CloFormer, MIT licence) as an ONNX graph builder.
/// </summary>
/// <remarks>
/// <para>
/// Layout: a stride-4 convolutional stem ending in GroupNorm(1, C); four stages of blocks
/// <c>x = x + attn(norm1(x)); x = downsample(x) + mlp(norm2(x))</c>; GroupNorm, mean and Linear as the head.
/// Attention concatenates AttnConv heads (a shared depthwise conv over q, k, v and the context-aware weights
/// <c>tanh(d^-0.5 * AttnMap(q * k)) * v</c>) with global heads whose keys and values come from the map
/// average-pooled by the stage's window, then projects with a 1x1 conv.
/// </para>
/// <para>
/// Graph economies, all exact in real arithmetic: BatchNorms fold into their convs; a block GroupNorm's affine
/// folds into the 1x1 convs that read it (average pooling commutes with a per-channel affine), so the block
/// norms are bare normalizations (InstanceNormalization over one group: of the exact forms measured with ONNX
/// Runtime on CPU, the fastest); d^-0.5 folds into the AttnMap's last conv and into the key half of
/// <c>global_kv</c>; the global heads are computed transposed so no activation-sized Transpose remains; the head
/// pools before its affine. Stage outputs are named <c>stem</c>, <c>stage1</c>..<c>stage4</c>, <c>pooled</c>.
/// </para>
/// <para>
/// No pretrained weights were released; checkpoints trained with the official code
/// (<c>{'model': state_dict}</c>, SyncBatchNorm saved like BatchNorm2d) convert as they are.
/// </para>
/// </remarks>
public sealed class CloFormerArchitecture : ModelArchitecture
{
    private const double NormEpsilon = 1e-5;
    private const double BatchNormEpsilon = 1e-5;

    private static readonly Dictionary<string, CloFormerConfig> Configs = new(StringComparer.Ordinal)
    {
        ["cloformer_xxs"] = new([32, 64, 128, 256], [2, 2, 6, 2], [4, 4, 8, 16], [[3, 1], [2, 2], [4, 4], [4, 12]], [[3], [5], [7], [9]]),
        ["cloformer_xs"] = new([48, 96, 160, 352], [2, 2, 6, 2], [3, 6, 10, 22], [[2, 1], [3, 3], [5, 5], [7, 15]], [[3], [5], [7], [9]]),
        ["cloformer_s"] = new([64, 128, 224, 448], [2, 2, 6, 2], [4, 8, 14, 28], [[3, 1], [4, 4], [7, 7], [7, 21]], [[3], [5], [7], [9]]),
    };

    /// <summary>Creates the builder for a variant described by <paramref name="config"/> (reduced test configs included).</summary>
    /// <param name="name">The variant name used in the graph and in messages.</param>
    /// <param name="config">The stage layout.</param>
    /// <exception cref="ArgumentException">The config is inconsistent.</exception>
    public CloFormerArchitecture(string name, CloFormerConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Name = name;
        Config = config;
    }

    /// <summary>The official variants: <c>cloformer_xxs</c>, <c>cloformer_xs</c>, <c>cloformer_s</c>.</summary>
    public static IReadOnlyList<string> Variants { get; } = [.. Configs.Keys];

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override ModelFamily Family => ModelFamily.CloFormer;

    /// <inheritdoc />
    public override int DefaultResolution => 224;

    /// <summary>The stage layout.</summary>
    public CloFormerConfig Config { get; }

    /// <summary>
    /// The side an input must be a multiple of: the stem and every downsampling halve it without remainder, and
    /// each stage's pooling window divides its map (the official global heads view the pooled keys as
    /// (h*w) / window^2 tokens). 32 for the official layout (stages at R/4..R/32, windows 8, 4, 2, 1).
    /// </summary>
    public int ResolutionMultiple
    {
        get
        {
            long multiple = 4L << (Config.Stages - 1);
            for (int i = 0; i < Config.Stages; i++)
                multiple = Lcm(multiple, (4L << i) * Config.WindowSizes[i]);
            return (int)multiple;
        }
    }

    /// <summary>The builder of an official variant.</summary>
    /// <param name="variant">One of <see cref="Variants"/>.</param>
    /// <exception cref="KeyNotFoundException">Not a CloFormer variant; the message lists them.</exception>
    public static CloFormerArchitecture Create(string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        return Configs.TryGetValue(variant.ToLowerInvariant(), out var config)
            ? new CloFormerArchitecture(variant.ToLowerInvariant(), config)
            : throw new KeyNotFoundException($"'{variant}' is not a CloFormer variant; known: {string.Join(", ", Variants)}.");
    }

    /// <inheritdoc />
    public override void ValidateResolution(int resolution)
    {
        int multiple = ResolutionMultiple;
        if (resolution < multiple || resolution > 4096 || resolution % multiple != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution,
                $"{Name} takes square inputs whose side is a multiple of {multiple} (for example {multiple * 7} or {multiple * 8}), up to 4096: " +
                $"its stages run at 1/4 to 1/{4 << (Config.Stages - 1)} of the input and pool their global keys by windows {string.Join(", ", Config.WindowSizes)}, " +
                $"which must divide each stage's map exactly. Resize or crop the input to such a size.");
        }
    }

    /// <summary>
    /// GroupNorm(1, C) without its affine: mean and biased variance over C, H, W per sample. The input is viewed
    /// as one channel of C*H*W values so ONNX Runtime's InstanceNormalization kernel does it in one node.
    /// </summary>
    private static GraphValue Normalize(GraphBuilder graph, GraphValue x, int channels, int side)
    {
        var one = graph.FloatVector([1f]);
        var zero = graph.FloatVector([0f]);
        var flat = graph.Reshape(x, [0, 1, -1]);
        var normalized = graph.Op("InstanceNormalization", [flat, one, zero], [OnnxAttribute.Float("epsilon", (float)NormEpsilon)]);
        return graph.Reshape(normalized, [0, channels, side, side]);
    }

    /// <summary>GroupNorm(1, C) with its affine (the stem's output is a feature, so it keeps the affine).</summary>
    private static GraphValue GroupNorm(GraphBuilder graph, WeightReader weights, GraphValue x, string prefix, int channels, int side, string name)
    {
        var gamma = graph.Initializer(prefix + ".weight", weights.Get(prefix + ".weight", channels), [channels, 1, 1]);
        var beta = graph.Initializer(prefix + ".bias", weights.Get(prefix + ".bias", channels), [channels, 1, 1]);
        return graph.Add(graph.Mul(Normalize(graph, x, channels, side), gamma), beta, name);
    }

    /// <summary>A 1x1 conv with bias: weight [out, in] as stored (or [out, in, 1, 1]).</summary>
    private static GraphValue Conv1x1(GraphBuilder graph, GraphValue x, string name, float[] weight, float[] bias, int inChannels, int outChannels)
    {
        var w = graph.Initializer(name + ".weight", weight, [outChannels, inChannels, 1, 1]);
        var b = graph.Initializer(name + ".bias", bias, [outChannels]);
        return graph.Conv(x, w, b);
    }

    /// <summary>A checkpoint 1x1 conv reading a bare normalization, with the norm's affine (gamma, beta) folded in.</summary>
    private static GraphValue FoldedConv1x1(GraphBuilder graph, WeightReader weights, GraphValue normalized, string name, int inChannels, int outChannels, float[] gamma, float[] beta)
    {
        var (w, b) = FoldInputAffine(weights.ConvWeight(name + ".weight", outChannels, inChannels, 1), weights.Get(name + ".bias", outChannels), gamma, beta);
        return Conv1x1(graph, normalized, name, w, b, inChannels, outChannels);
    }

    /// <summary>
    /// Folds a per-input-channel affine (a GroupNorm's gamma, beta) into the 1x1 conv that reads it:
    /// W'[o, i] = W[o, i] * gamma[i], b'[o] = b[o] + sum_i W[o, i] * beta[i], in double, rounded once.
    /// </summary>
    private static (float[] Weight, float[] Bias) FoldInputAffine(float[] weight, float[] bias, float[] gamma, float[] beta)
    {
        int inputs = gamma.Length, outputs = bias.Length;
        var w = new float[weight.Length];
        var b = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < inputs; i++)
            {
                float v = weight[o * inputs + i];
                w[o * inputs + i] = (float)((double)v * gamma[i]);
                sum += (double)v * beta[i];
            }

            b[o] = (float)sum;
        }

        return (w, b);
    }

    /// <summary>Multiplies rows [from, to) of a [rows, cols] weight and their biases by <paramref name="factor"/>.</summary>
    private static void ScaleRows(float[] weight, float[] bias, int cols, int from, int to, double factor)
    {
        for (int o = from; o < to; o++)
        {
            bias[o] = (float)(bias[o] * factor);
            for (int i = 0; i < cols; i++)
                weight[o * cols + i] = (float)(weight[o * cols + i] * factor);
        }
    }

    /// <summary>
    /// One AttnConv group of c = heads * head_dim channels: the depthwise <c>convs.t</c> over q, k, v together,
    /// then <c>tanh(scale * act_blocks.t(q * k)) * v</c> with act_block = 1x1 conv, Swish, 1x1 conv (scale folded
    /// into the last conv).
    /// </summary>
    private static GraphValue AttnConv(GraphBuilder graph, WeightReader weights, GraphValue qkv, string p, int index, int c, int kernel, double scale)
    {
        string conv = Invariant($"{p}.convs.{index}");
        string act = Invariant($"{p}.act_blocks.{index}.act_block");
        var mixed = ConvLayers.ConvBn(graph, qkv, weights, conv + ".weight", conv + ".bias", null, 0, 3 * c, 3 * c, kernel, groups: 3 * c);
        var qkvParts = graph.Split(mixed, 1, [c, c, c]);

        var context = ConvLayers.ConvBn(graph, graph.Mul(qkvParts[0], qkvParts[1]), weights, act + ".0.weight", act + ".0.bias", null, 0, c, c, 1);
        var w2 = weights.ConvWeight(act + ".2.weight", c, c, 1).ToArray();
        var b2 = weights.Get(act + ".2.bias", c).ToArray();
        ScaleRows(w2, b2, c, 0, c, scale);
        context = Conv1x1(graph, graph.Silu(context), act + ".2", w2, b2, c, c);
        return graph.Mul(graph.Tanh(context), qkvParts[2]);
    }

    /// <summary>
    /// The global heads: queries from the full map, keys and values from the map average-pooled by
    /// <paramref name="window"/>; softmax(d^-0.5 q k^T) v, returned as [N, heads * d, H, W] with channel
    /// head * d + j. Computed transposed, out^T = v^T softmax(q k^T)^T, because the convs already give
    /// k^T, v^T and q^T as [N, m, d, tokens] and out^T reshapes straight to NCHW; the two transposes left
    /// feed MatMuls, which ONNX Runtime fuses into transposed GEMMs (no data movement).
    /// </summary>
    private static GraphValue GlobalHeads(GraphBuilder graph, WeightReader weights, GraphValue normalized, float[] gamma, float[] beta,
        string p, int dim, int heads, int headDim, int window, int side, double scale)
    {
        int c = heads * headDim;
        int pooledSide = side / window;
        long tokens = (long)side * side, pooledTokens = (long)pooledSide * pooledSide;

        var (w, b) = FoldInputAffine(weights.ConvWeight(p + ".global_kv.weight", 2 * c, dim, 1), weights.Get(p + ".global_kv.bias", 2 * c), gamma, beta);
        ScaleRows(w, b, dim, 0, c, scale); // keys carry the softmax scale
        var pooled = window == 1 ? normalized : graph.AveragePool(normalized, window);
        var kv = graph.Split(Conv1x1(graph, pooled, p + ".global_kv", w, b, dim, 2 * c), 1, [c, c]);

        var keysT = graph.Reshape(kv[0], [0, heads, headDim, pooledTokens]);    // N m d n'
        var valuesT = graph.Reshape(kv[1], [0, heads, headDim, pooledTokens]);  // N m d n'
        var query = FoldedConv1x1(graph, weights, normalized, p + ".global_q", dim, c, gamma, beta);
        var queriesT = graph.Reshape(query, [0, heads, headDim, tokens]);       // N m d HW
        var scores = graph.MatMul(graph.Transpose(queriesT, [0, 1, 3, 2]), keysT); // N m HW n'
        var attention = graph.Softmax(scores, -1);
        var outT = graph.MatMul(valuesT, graph.Transpose(attention, [0, 1, 3, 2])); // N m d HW
        return graph.Reshape(outT, [0, c, side, side]);
    }

    /// <summary>
    /// <c>EfficientAttention</c>: AttnConv heads per kernel size, then the global heads, concatenated in that
    /// order and projected by <c>proj</c>. The input is the bare normalization; (gamma, beta) is norm1's affine.
    /// </summary>
    private GraphValue Attention(GraphBuilder graph, WeightReader weights, GraphValue normalized, float[] gamma, float[] beta, string p, int stage, int side)
    {
        int dim = Config.EmbedDims[stage];
        int headDim = dim / Config.NumHeads[stage];
        double scale = 1.0 / Math.Sqrt(headDim);
        var split = Config.GroupSplits[stage];
        int globalHeads = split[^1];

        var outputs = new List<GraphValue>();
        for (int t = 0, index = 0; t < split.Count - 1; t++)
        {
            // The ModuleLists hold only groups with heads, so their indices skip empty groups.
            if (split[t] == 0)
                continue;
            int c = split[t] * headDim;
            var qkv = FoldedConv1x1(graph, weights, normalized, Invariant($"{p}.qkvs.{index}"), dim, 3 * c, gamma, beta);
            outputs.Add(AttnConv(graph, weights, qkv, p, index++, c, Config.KernelSizes[stage][t], scale));
        }

        if (globalHeads > 0)
            outputs.Add(GlobalHeads(graph, weights, normalized, gamma, beta, p, dim, globalHeads, headDim, Config.WindowSizes[stage], side, scale));

        var mixed = outputs.Count == 1 ? outputs[0] : graph.Concat(1, [.. outputs]);
        return ConvLayers.ConvBn(graph, mixed, weights, p + ".proj.weight", p + ".proj.bias", null, 0, dim, dim, 1);
    }

    /// <summary>ConvFFN <c>mlp</c>: fc1 (with the norm's affine folded in), exact GELU, depthwise conv (may stride), fc2.</summary>
    private static GraphValue ConvFfn(GraphBuilder graph, WeightReader weights, GraphValue normalized, float[] gamma, float[] beta, string p, int dim, int hidden, int outDim, int kernel, int stride)
    {
        var x = graph.Gelu(FoldedConv1x1(graph, weights, normalized, p + ".fc1", dim, hidden, gamma, beta));
        x = ConvLayers.ConvBn(graph, x, weights, p + ".dwconv.weight", p + ".dwconv.bias", null, 0, hidden, hidden, kernel, stride: stride, groups: hidden);
        return ConvLayers.ConvBn(graph, x, weights, p + ".fc2.weight", p + ".fc2.bias", null, 0, hidden, outDim, 1);
    }

    /// <summary>
    /// <c>EfficientBlock</c>: <c>x + attn(norm1(x))</c>, then <c>downsample(x) + mlp(norm2(x))</c>
    /// (downsample is the identity unless the block halves the resolution).
    /// </summary>
    private GraphValue Block(GraphBuilder graph, WeightReader weights, GraphValue x, string p, int stage, int outDim, bool downsample, int side, string? name)
    {
        int dim = Config.EmbedDims[stage];
        var gamma1 = weights.Get(p + ".norm1.weight", dim);
        var beta1 = weights.Get(p + ".norm1.bias", dim);
        var attention = Attention(graph, weights, Normalize(graph, x, dim, side), gamma1, beta1, p + ".attn", stage, side);
        x = graph.Add(x, attention);

        var gamma2 = weights.Get(p + ".norm2.weight", dim);
        var beta2 = weights.Get(p + ".norm2.bias", dim);
        int kernel = Config.MlpKernelSizes[stage];
        var mlp = ConvFfn(graph, weights, Normalize(graph, x, dim, side), gamma2, beta2, p + ".mlp", dim, dim * Config.MlpRatios[stage], outDim, kernel, downsample ? 2 : 1);
        if (!downsample)
            return graph.Add(x, mlp, name);

        var reduced = ConvLayers.ConvBn(graph, x, weights, p + ".downsample.0.weight", p + ".downsample.0.bias", p + ".downsample.1", BatchNormEpsilon, dim, dim, kernel, stride: 2);
        var shortcut = ConvLayers.ConvBn(graph, reduced, weights, p + ".downsample.2.weight", p + ".downsample.2.bias", null, 0, dim, outDim, 1);
        return graph.Add(shortcut, mlp, name);
    }

    /// <summary><c>patch_embed</c>: four conv+BN+ReLU (two stride 2), a 1x1 conv and GroupNorm(1, C).</summary>
    private static GraphValue Stem(GraphBuilder graph, WeightReader weights, GraphValue x, int dim, int side)
    {
        using var scope = graph.Scope("patch_embed");
        int[] widths = [3, dim / 2, dim, dim, dim];
        for (int i = 1; i <= 4; i++)
        {
            string p = Invariant($"patch_embed.conv{i}.conv");
            x = graph.Relu(ConvLayers.ConvBn(graph, x, weights, p + ".0.weight", p + ".0.bias", p + ".1", BatchNormEpsilon, widths[i - 1], widths[i], 3, stride: i <= 2 ? 2 : 1));
        }

        x = ConvLayers.ConvBn(graph, x, weights, "patch_embed.conv5.weight", "patch_embed.conv5.bias", null, 0, dim, dim, 1);
        return GroupNorm(graph, weights, x, "patch_embed.layernorm", dim, side, "stem");
    }

    /// <summary>
    /// Head: GroupNorm(1, C), mean over H and W (<c>pooled</c>), Linear (<c>logits</c>). The mean runs before the
    /// per-channel affine, which commutes with it, so the affine touches C values per image instead of C*H*W.
    /// </summary>
    private static (GraphValue Pooled, GraphValue Logits, int Classes) Head(GraphBuilder graph, WeightReader weights, GraphValue x, int dim, int side)
    {
        GraphValue pooled;
        using (graph.Scope("norm"))
        {
            var mean = graph.Flatten(graph.GlobalAveragePool(Normalize(graph, x, dim, side)));
            var gamma = graph.Initializer("norm.weight", weights.Get("norm.weight", dim), [dim]);
            var beta = graph.Initializer("norm.bias", weights.Get("norm.bias", dim), [dim]);
            pooled = graph.Add(graph.Mul(mean, gamma), beta, "pooled");
        }

        // The class count comes from the classifier; Get checks the rest of its shape against the stage width.
        var shape = weights.ShapeOf("head.weight");
        int classes = shape.Length == 2 ? (int)shape[0] : 0;
        using var scope = graph.Scope("head");
        var w = graph.Initializer("head.weight", weights.Get("head.weight", classes, dim), [classes, dim]);
        var b = graph.Initializer("head.bias", weights.Get("head.bias", classes), [classes]);
        return (pooled, graph.Gemm(pooled, w, b, transB: true), classes);
    }

    /// <inheritdoc />
    public override ArchitectureGraph Build(GraphBuilder graph, GraphValue input, WeightReader weights, int resolution)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(weights);
        ValidateResolution(resolution);
        var c = Config;
        var features = new List<FeatureOutput>();

        int side = resolution / 4;
        GraphValue x = Stem(graph, weights, input, c.EmbedDims[0], side);
        features.Add(new FeatureOutput(x.Name, x, [c.EmbedDims[0], side, side]));

        for (int i = 0; i < c.Stages; i++)
        {
            bool last = i == c.Stages - 1;
            int outDim = c.EmbedDims[last ? i : i + 1];
            for (int j = 0; j < c.Depths[i]; j++)
            {
                bool downsample = !last && j == c.Depths[i] - 1;
                using var scope = graph.Scope(Invariant($"layers.{i}.blocks.{j}"));
                string? name = j == c.Depths[i] - 1 ? Invariant($"stage{i + 1}") : null;
                x = Block(graph, weights, x, Invariant($"layers.{i}.blocks.{j}"), i, downsample ? outDim : c.EmbedDims[i], downsample, side, name);
                if (downsample)
                    side /= 2;
            }

            features.Add(new FeatureOutput(x.Name, x, [outDim, side, side]));
        }

        var (pooled, logits, classes) = Head(graph, weights, x, c.EmbedDims[^1], side);
        features.Add(new FeatureOutput("pooled", pooled, [c.EmbedDims[^1]]));
        return new ArchitectureGraph(logits, classes, features);
    }

    private static long Lcm(long a, long b)
    {
        long x = a, y = b;
        while (y != 0)
            (x, y) = (y, x % y);
        return a / x * b;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
