using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>
/// The per-stage shape of a SHViT variant; field names follow the reference <c>VARIANTS</c> table
/// (<c>embed_dim</c>, <c>depth</c>, <c>partial_dim</c>, <c>types</c>, <c>qk_dim</c>).
/// </summary>
/// <param name="EmbedDim">Channels of stages 1..3 (the stem ends at <c>EmbedDim[0]</c>, which must divide by 8).</param>
/// <param name="Depth">Basic blocks per stage (after a stage's downsampling unit).</param>
/// <param name="PartialDim">Channels per stage that go through single-head attention; the rest bypass it.</param>
/// <param name="Types">One letter per stage: <c>i</c> = no token mixer, <c>s</c> = single-head self-attention.</param>
/// <param name="QkDim">Query/key width per stage; null = 16 in every stage (all official variants).</param>
public sealed record ShvitConfig(IReadOnlyList<int> EmbedDim, IReadOnlyList<int> Depth, IReadOnlyList<int> PartialDim, string Types, IReadOnlyList<int>? QkDim = null)
{
    /// <summary>Query/key width of stage <paramref name="stage"/> (0-based).</summary>
    public int QkDimOf(int stage) => QkDim is null ? 16 : QkDim[stage];
}

/// <summary>
/// SHViT: Single-Head Vision Transformer with Memory Efficient Macro Design (Yun and Ro, CVPR 2024,
/// arXiv:2401.16456), converted from the official release checkpoints of github.com/ysj9909/SHViT
/// (MIT licence) into an inference graph: every Conv2d_BN and the BN_Linear head folded, the residual of each
/// depthwise conv folded into its kernel (the official <c>Residual.fuse</c>), the GroupNorm affine and the
/// attention scale folded into the qkv projection.
/// </summary>
/// <remarks>
/// Shape: a stride-16 stem of four 3×3 stride-2 Conv2d_BN, then three stages at strides 16, 32 and 64; stages 2
/// and 3 open with (depthwise residual, FFN residual, PatchMerging with squeeze-excite, depthwise residual, FFN
/// residual). Any square size from 64 pixels on works (each stride-2 conv rounds up), the last feature map is
/// ceil(size / 64) on a side; 224 (S1–S3) and 256 (S4) are the sizes the release was evaluated at.
/// </remarks>
public sealed class ShvitArchitecture : ModelArchitecture
{
    /// <summary>The smallest input side accepted: the last stage then still sees a 1×1 map after three exact halvings.</summary>
    public const int MinResolution = 64;

    /// <summary>
    /// The largest input side accepted: attention is quadratic in the tokens, and at 2048 pixels stage 2 already
    /// holds a 4096×4096 attention matrix per image (64 MiB).
    /// </summary>
    public const int MaxResolution = 2048;

    private const double BnEpsilon = 1e-5;
    private const float NormEpsilon = 1e-5f;

    // model/build.py of the official repository.
    private static readonly Dictionary<string, (ShvitConfig Config, int Resolution)> Table = new(StringComparer.Ordinal)
    {
        ["shvit_s1"] = (new([128, 224, 320], [2, 4, 5], [32, 48, 68], "iss"), 224),
        ["shvit_s2"] = (new([128, 308, 448], [2, 4, 5], [32, 66, 96], "iss"), 224),
        ["shvit_s3"] = (new([192, 352, 448], [3, 5, 5], [48, 75, 96], "iss"), 224),
        ["shvit_s4"] = (new([224, 336, 448], [4, 7, 6], [48, 72, 96], "iss"), 256),
    };

    /// <summary>Builds the graph of a SHViT-shaped network named <paramref name="name"/>.</summary>
    /// <param name="name">Variant name used in messages and as the graph name.</param>
    /// <param name="config">Stage widths, depths, attention split and mixer types.</param>
    /// <param name="defaultResolution">Input side used when the caller names none. Default = 224.</param>
    /// <exception cref="ArgumentException">The configuration is not a three-stage SHViT.</exception>
    public ShvitArchitecture(string name, ShvitConfig config, int defaultResolution = 224)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(config);
        Check(name, config);
        Name = name;
        Config = config;
        DefaultResolution = defaultResolution;
    }

    /// <summary>The official variants, smallest first.</summary>
    public static IReadOnlyList<string> Variants { get; } = [.. Table.Keys];

    /// <summary>The stage configuration.</summary>
    public ShvitConfig Config { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override ModelFamily Family => ModelFamily.Shvit;

    /// <inheritdoc/>
    public override int DefaultResolution { get; }

    /// <summary>The builder for an official variant (<c>shvit_s1</c> .. <c>shvit_s4</c>).</summary>
    /// <exception cref="KeyNotFoundException">Not a SHViT variant; the message lists them.</exception>
    public static ShvitArchitecture Create(string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var name = variant.ToLowerInvariant();
        return Table.TryGetValue(name, out var entry)
            ? new ShvitArchitecture(name, entry.Config, entry.Resolution)
            : throw new KeyNotFoundException($"'{variant}' is not a SHViT variant; use one of {string.Join(", ", Variants)}.");
    }

    /// <inheritdoc/>
    public override void ValidateResolution(int resolution)
    {
        if (resolution < MinResolution || resolution > MaxResolution)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution,
                $"{Name} takes any square input side from {MinResolution} to {MaxResolution} pixels (the last feature map is ceil(side / 64)); " +
                $"{resolution} is outside that range. Use {DefaultResolution}, the size it was evaluated at.");
    }

    /// <inheritdoc/>
    public override ArchitectureGraph Build(GraphBuilder graph, GraphValue input, WeightReader weights, int resolution)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(weights);
        ValidateResolution(resolution);
        var dims = Config.EmbedDim;
        var features = new List<FeatureOutput>();

        var side = resolution;
        var x = input;
        using (graph.Scope("patch_embed"))
        {
            int[] widths = [3, dims[0] / 8, dims[0] / 4, dims[0] / 2, dims[0]];
            for (var i = 0; i < 4; i++)
            {
                if (i > 0)
                    x = graph.Relu(x);
                x = ConvLayers.ConvBn(graph, x, weights, $"patch_embed.{2 * i}.c.weight", null, $"patch_embed.{2 * i}.bn", BnEpsilon, widths[i], widths[i + 1], 3, stride: 2);
                side = Halve(side);
            }
        }
        features.Add(new FeatureOutput("stem", x, [dims[0], side, side]));

        for (var stage = 0; stage < 3; stage++)
        {
            var prefix = $"blocks{stage + 1}";
            var index = 0;
            if (stage > 0)
            {
                x = LocalUnit(graph, x, weights, $"{prefix}.{index++}", dims[stage - 1]);
                x = PatchMerging(graph, x, weights, $"{prefix}.{index++}", dims[stage - 1], dims[stage]);
                side = Halve(side);
                x = LocalUnit(graph, x, weights, $"{prefix}.{index++}", dims[stage]);
            }
            for (var block = 0; block < Config.Depth[stage]; block++)
                x = BasicBlock(graph, x, weights, $"{prefix}.{index++}", stage, side);
            features.Add(new FeatureOutput($"stage{stage + 1}", x, [dims[stage], side, side]));
        }

        var pooled = graph.ReduceMean(x, [2, 3], keepDims: false);
        features.Add(new FeatureOutput("pooled", pooled, [dims[2]]));
        var (logits, classes) = Head(graph, pooled, weights, dims[2]);
        return new ArchitectureGraph(logits, classes, features);
    }

    // --- blocks, smallest first -------------------------------------------------------------------------

    /// <summary>x + dwconv(x) as one depthwise conv: the identity is a 1 at the centre of each folded kernel.</summary>
    private static GraphValue DepthwiseResidual(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int channels)
    {
        using var scope = graph.Scope(module);
        var (weight, bias) = ReadConvBn(weights, module, channels, 1, 3);
        for (var c = 0; c < channels; c++)
            weight[(c * 9) + 4] += 1f;
        return Conv(graph, x, module + ".c", weight, bias, channels, 1, 3, groups: channels);
    }

    /// <summary>x + pw2(relu(pw1(x))), the hidden width twice the input.</summary>
    private static GraphValue FfnResidual(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int channels)
    {
        using var scope = graph.Scope(module);
        var hidden = ConvLayers.ConvBn(graph, x, weights, $"{module}.pw1.c.weight", null, $"{module}.pw1.bn", BnEpsilon, channels, 2 * channels, 1);
        var y = ConvLayers.ConvBn(graph, graph.Relu(hidden), weights, $"{module}.pw2.c.weight", null, $"{module}.pw2.bn", BnEpsilon, 2 * channels, channels, 1);
        return graph.Add(x, y);
    }

    /// <summary>The depthwise residual then FFN residual pair that brackets each PatchMerging.</summary>
    private static GraphValue LocalUnit(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int channels)
    {
        x = DepthwiseResidual(graph, x, weights, $"{module}.0.m", channels);
        return FfnResidual(graph, x, weights, $"{module}.1.m", channels);
    }

    /// <summary>timm's SEModule: mean over H, W, 1×1 conv with bias, ReLU, 1×1 conv with bias, sigmoid gate.</summary>
    private static GraphValue SqueezeExcite(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int channels)
    {
        // Nested in the PatchMerging's scope, so only the child name is added.
        using var scope = graph.Scope("se");
        // make_divisible(channels * 0.25, 8, round_limit=0): nearest multiple of 8, at least 8.
        var hidden = Math.Max(8, (int)((channels * 0.25) + 4) / 8 * 8);
        var gate = graph.ReduceMean(x, [2, 3]);
        gate = graph.Relu(ConvLayers.ConvBn(graph, gate, weights, $"{module}.fc1.weight", $"{module}.fc1.bias", null, 0, channels, hidden, 1));
        gate = ConvLayers.ConvBn(graph, gate, weights, $"{module}.fc2.weight", $"{module}.fc2.bias", null, 0, hidden, channels, 1);
        return graph.Mul(x, graph.Sigmoid(gate));
    }

    /// <summary>Stride-2 downsampling: 1×1 expand ×4, ReLU, 3×3 depthwise stride 2, ReLU, squeeze-excite, 1×1 project.</summary>
    private static GraphValue PatchMerging(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int channels, int outChannels)
    {
        using var scope = graph.Scope(module);
        var hidden = 4 * channels;
        x = graph.Relu(ConvLayers.ConvBn(graph, x, weights, $"{module}.conv1.c.weight", null, $"{module}.conv1.bn", BnEpsilon, channels, hidden, 1));
        x = graph.Relu(ConvLayers.ConvBn(graph, x, weights, $"{module}.conv2.c.weight", null, $"{module}.conv2.bn", BnEpsilon, hidden, hidden, 3, stride: 2, groups: hidden));
        x = SqueezeExcite(graph, x, weights, $"{module}.se", hidden);
        return ConvLayers.ConvBn(graph, x, weights, $"{module}.conv3.c.weight", null, $"{module}.conv3.bn", BnEpsilon, hidden, outChannels, 1);
    }

    /// <summary>
    /// x + proj(relu(cat(attention(x[:pdim]), x[pdim:]))). The first pdim channels are normalized over C, H, W
    /// (GroupNorm with one group); its affine and the scale qk_dim^-0.5 are folded into the qkv weights, so
    /// the graph is LayerNormalization, one Conv, then q^T k, softmax over keys and v attn^T as MatMuls.
    /// </summary>
    private static GraphValue SingleHeadAttention(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int dim, int pdim, int qkDim, int side)
    {
        using var scope = graph.Scope(module);
        var parts = graph.Split(x, 1, [pdim, dim - pdim]);

        // Normalization without affine: LayerNormalization from axis 1 normalizes over C, H, W per sample.
        var ones = new float[pdim * side * side];
        Array.Fill(ones, 1f);
        var unitScale = graph.Initializer($"{module}.pre_norm.unit_scale", ones, [pdim, side, side], WeightStorage.Float32);
        var normalized = graph.LayerNormalization(parts[0], unitScale, axis: 1, epsilon: NormEpsilon);

        var qkvWidth = (2 * qkDim) + pdim;
        var (weight, bias) = ReadConvBn(weights, $"{module}.qkv", qkvWidth, pdim, 1);
        FoldAffineBefore(weight, bias, weights.Get($"{module}.pre_norm.weight", pdim), weights.Get($"{module}.pre_norm.bias", pdim));
        var scale = (float)(1.0 / Math.Sqrt(qkDim));
        for (var i = 0; i < qkDim * pdim; i++)
            weight[i] *= scale;
        for (var o = 0; o < qkDim; o++)
            bias[o] *= scale;
        var qkv = Conv(graph, normalized, $"{module}.qkv.c", weight, bias, qkvWidth, pdim, 1);

        var tokens = graph.Reshape(qkv, [0, qkvWidth, -1]);
        var qkvParts = graph.Split(tokens, 1, [qkDim, qkDim, pdim]);
        // scores[b, i, j]: query i against key j; the Transposes feed MatMuls, which ONNX Runtime fuses.
        var scores = graph.MatMul(graph.Transpose(qkvParts[0], [0, 2, 1]), qkvParts[1]);
        var attention = graph.Softmax(scores, -1);
        var attended = graph.MatMul(qkvParts[2], graph.Transpose(attention, [0, 2, 1]));
        attended = graph.Reshape(attended, [0, pdim, side, side]);

        var mixed = graph.Relu(graph.Concat(1, [attended, parts[1]]));
        var projected = ConvLayers.ConvBn(graph, mixed, weights, $"{module}.proj.1.c.weight", null, $"{module}.proj.1.bn", BnEpsilon, dim, dim, 1);
        return graph.Add(x, projected);
    }

    /// <summary>Depthwise residual, then the stage's token mixer (attention for 's', nothing for 'i'), then FFN residual.</summary>
    private GraphValue BasicBlock(GraphBuilder graph, GraphValue x, WeightReader weights, string module, int stage, int side)
    {
        var dim = Config.EmbedDim[stage];
        x = DepthwiseResidual(graph, x, weights, $"{module}.conv.m", dim);
        if (Config.Types[stage] == 's')
            x = SingleHeadAttention(graph, x, weights, $"{module}.mixer.m", dim, Config.PartialDim[stage], Config.QkDimOf(stage), side);
        return FfnResidual(graph, x, weights, $"{module}.ffn.m", dim);
    }

    /// <summary>BN_Linear: BatchNorm1d then Linear, folded into one Gemm. The class count comes from the checkpoint.</summary>
    private static (GraphValue Logits, int Classes) Head(GraphBuilder graph, GraphValue pooled, WeightReader weights, int channels)
    {
        using var scope = graph.Scope("head");
        // The class count is whatever the checkpoint was trained for; Get below checks the rest of the shape.
        var classes = (int)weights.ShapeOf("head.l.weight")[0];
        var batchNorm = weights.BatchNorm("head.bn", channels, BnEpsilon);
        var folded = BatchNormFolding.IntoFollowingLinear(batchNorm, weights.Get("head.l.weight", classes, channels), weights.Get("head.l.bias", classes));
        var w = graph.Initializer("head.l.weight", folded.Weight, [classes, channels]);
        var b = graph.Initializer("head.l.bias", folded.Bias, [classes]);
        return (graph.Gemm(pooled, w, b, transB: true), classes);
    }

    // --- helpers ----------------------------------------------------------------------------------------

    /// <summary>Reads <c>{module}.c.weight</c> and folds <c>{module}.bn</c> into it.</summary>
    private static (float[] Weight, float[] Bias) ReadConvBn(WeightReader weights, string module, int outChannels, int inPerGroup, int kernel)
    {
        var weight = weights.ConvWeight($"{module}.c.weight", outChannels, inPerGroup, kernel);
        var folded = BatchNormFolding.IntoConv(weight, [], weights.BatchNorm($"{module}.bn", outChannels, BnEpsilon));
        return (folded.Weight, folded.Bias);
    }

    /// <summary>
    /// Folds a per-input-channel affine y = x * gamma + beta that precedes a 1×1 conv into that conv:
    /// W'[o, c] = W[o, c] * gamma[c], b'[o] = b[o] + Σ_c W[o, c] * beta[c].
    /// </summary>
    private static void FoldAffineBefore(float[] weight, float[] bias, float[] gamma, float[] beta)
    {
        var inputs = gamma.Length;
        for (var o = 0; o < bias.Length; o++)
        {
            double shift = bias[o];
            var row = weight.AsSpan(o * inputs, inputs);
            for (var c = 0; c < inputs; c++)
            {
                shift += (double)row[c] * beta[c];
                row[c] *= gamma[c];
            }
            bias[o] = (float)shift;
        }
    }

    private static GraphValue Conv(GraphBuilder graph, GraphValue x, string name, float[] weight, float[] bias, int outChannels, int inPerGroup, int kernel, int stride = 1, int groups = 1)
    {
        var w = graph.Initializer(name + ".weight", weight, [outChannels, inPerGroup, kernel, kernel]);
        var b = graph.Initializer(name + ".bias", bias, [outChannels]);
        return graph.Conv(x, w, b, stride: stride, padding: kernel / 2, group: groups);
    }

    // A 3×3 stride-2 conv with padding 1 maps a side n to ceil(n / 2).
    private static int Halve(int side) => (side + 1) / 2;

    private static void Check(string name, ShvitConfig config)
    {
        var stages = new[] { config.EmbedDim.Count, config.Depth.Count, config.PartialDim.Count, config.Types.Length, config.QkDim?.Count ?? 3 };
        if (stages.Any(n => n != 3))
            throw new ArgumentException($"{name}: a SHViT configuration has three stages; got embed_dim {config.EmbedDim.Count}, depth {config.Depth.Count}, partial_dim {config.PartialDim.Count}, types '{config.Types}'.", nameof(config));
        if (config.EmbedDim[0] % 8 != 0)
            throw new ArgumentException($"{name}: embed_dim[0] = {config.EmbedDim[0]} must divide by 8 (the stem widths are embed_dim[0] / 8, / 4, / 2).", nameof(config));
        for (var i = 0; i < 3; i++)
        {
            if (config.Types[i] is not ('i' or 's'))
                throw new ArgumentException($"{name}: types '{config.Types}' may only hold 'i' (no mixer) and 's' (single-head attention).", nameof(config));
            if (config.PartialDim[i] <= 0 || config.PartialDim[i] >= config.EmbedDim[i] || config.QkDimOf(i) <= 0 || config.Depth[i] < 0)
                throw new ArgumentException($"{name}: stage {i + 1} needs 0 < partial_dim < embed_dim, qk_dim > 0 and depth >= 0 (partial_dim {config.PartialDim[i]}, embed_dim {config.EmbedDim[i]}).", nameof(config));
        }
    }
}
