// EfficientViT (MIT): Cai, Li, Hu, Gan, Han, "EfficientViT: Lightweight Multi-Scale Attention for
// High-Resolution Dense Prediction", ICCV 2023, arXiv:2205.14756.
// Official code and checkpoints: https://github.com/mit-han-lab/efficientvit (Apache-2.0), module layout
// of efficientvit/models/efficientvit/backbone.py and cls.py; checkpoint names follow that layout
// (backbone.input_stem / backbone.stages.N.op_list.M, head.op_list.{0,2,3}).
using MLNetAttn.Zoo.Onnx;

namespace MLNetAttn.Zoo.Architectures;

/// <summary>
/// One EfficientViT classifier, as the official <c>efficientvit_backbone_*</c> + <c>EfficientViTCls</c>
/// builders take it. Field names mirror the reference's VARIANTS entries.
/// </summary>
/// <param name="Series"><c>b</c> (Hardswish, MBConv stem stages) or <c>l</c> (tanh GELU, fused MBConv stages).</param>
/// <param name="Widths">Channels of stage0..stage4.</param>
/// <param name="Depths">Blocks per stage after each stage's first (downsampling) unit; stage0 counts its residual stem blocks.</param>
/// <param name="Dim">Channels per attention head in LiteMLA (the official <c>dim</c> / <c>qkv_dim</c>).</param>
/// <param name="Head">Widths of the classifier head: the 1×1 conv, then the hidden Linear.</param>
public sealed record EfficientVitConfig(string Series, IReadOnlyList<int> Widths, IReadOnlyList<int> Depths, int Dim, IReadOnlyList<int> Head)
{
    /// <summary>
    /// Epsilon of every BatchNorm and LayerNorm. Default = 1e-5 for the B series, 1e-7 for the L series
    /// (the official model zoo sets it on every norm after construction; the modules' own default is 1e-5).
    /// </summary>
    public double NormEps { get; init; } = Series == "l" ? 1e-7 : 1e-5;

    /// <summary>True for the L series.</summary>
    public bool IsLarge => Series == "l";
}

/// <summary>
/// EfficientViT (MIT) classifiers B0..B3 and L1..L3 as ONNX graphs: every BatchNorm is folded into its conv,
/// the head's LayerNorm is one LayerNormalization node, and LiteMLA's ReLU linear attention is two batched
/// MatMuls per block with the normalizer computed alongside (a row of ones under v). The attention runs in
/// float32 even with float16 weight storage, because stored weights are cast to float32 before use; its
/// 1e-15 guard would underflow in float16.
/// </summary>
/// <remarks>
/// Resolution rule: total stride 32; every conv pads k / 2, so any square size of at least 32 pixels runs
/// (each stride-2 conv rounds up). Multiples of 32 keep the stage sizes exact and are what the official
/// checkpoints were evaluated at (224 to 384). Stage outputs: <c>stage0</c>..<c>stage4</c> (strides 2..32),
/// <c>pooled</c> (the head conv's output averaged over positions).
/// </remarks>
public sealed class EfficientVitArchitecture : ModelArchitecture
{
    private const int MinResolution = 32;
    private const int MaxResolution = 4096;

    // Official variants (backbone.py, cls.py): per-stage widths and depths, head widths, attention head dim.
    private static readonly (string Name, EfficientVitConfig Config)[] Table =
    [
        ("efficientvit_b0", new("b", [8, 16, 32, 64, 128], [1, 2, 2, 2, 2], 16, [1024, 1280])),
        ("efficientvit_b1", new("b", [16, 32, 64, 128, 256], [1, 2, 3, 3, 4], 16, [1536, 1600])),
        ("efficientvit_b2", new("b", [24, 48, 96, 192, 384], [1, 3, 4, 4, 6], 32, [2304, 2560])),
        ("efficientvit_b3", new("b", [32, 64, 128, 256, 512], [1, 4, 6, 6, 9], 32, [2304, 2560])),
        ("efficientvit_l1", new("l", [32, 64, 128, 256, 512], [1, 1, 1, 6, 6], 32, [3072, 3200])),
        ("efficientvit_l2", new("l", [32, 64, 128, 256, 512], [1, 2, 2, 8, 8], 32, [3072, 3200])),
        ("efficientvit_l3", new("l", [64, 128, 256, 512, 1024], [1, 2, 2, 8, 8], 32, [6144, 6400])),
    ];

    // L series: per-stage expansion of the repeated blocks, and the first (stride-2) unit's expansion.
    private static readonly int[] LargeExpand = [1, 4, 4, 4, 6];
    private static readonly int[] LargeDownExpand = [1, 16, 16, 16, 24];

    /// <summary>The official variant names.</summary>
    public static IReadOnlyList<string> Variants { get; } = [.. Table.Select(v => v.Name)];

    /// <summary>Creates the builder for an official variant (e.g. <c>efficientvit_b1</c>).</summary>
    /// <exception cref="KeyNotFoundException">Not an EfficientViT variant; the message lists them.</exception>
    public static EfficientVitArchitecture Create(string variant)
        => Array.FindIndex(Table, v => string.Equals(v.Name, variant, StringComparison.OrdinalIgnoreCase)) is var i and >= 0
            ? new EfficientVitArchitecture(Table[i].Name, Table[i].Config)
            : throw new KeyNotFoundException($"'{variant}' is not an EfficientViT variant; known: {string.Join(", ", Variants)}.");

    /// <summary>A builder for <paramref name="config"/> under the name <paramref name="name"/> (reduced test configs use this).</summary>
    /// <exception cref="ArgumentException">The configuration is not one the official builders accept.</exception>
    public EfficientVitArchitecture(string name, EfficientVitConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(config);
        if (config.Series is not ("b" or "l"))
            throw new ArgumentException($"{name}: series '{config.Series}' is neither 'b' nor 'l'.", nameof(config));
        if (config.Widths.Count != 5 || config.Depths.Count != 5 || config.Head.Count != 2)
            throw new ArgumentException($"{name}: EfficientViT needs 5 widths, 5 depths and 2 head widths (got {config.Widths.Count}, {config.Depths.Count}, {config.Head.Count}).", nameof(config));
        if (config.Dim <= 0 || config.Widths[3] < config.Dim || config.Widths[4] < config.Dim)
            throw new ArgumentException($"{name}: the attention head dim {config.Dim} must be positive and no wider than stages 3 and 4 ({config.Widths[3]}, {config.Widths[4]}).", nameof(config));
        Name = name;
        Config = config;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <summary>The configuration the graph is built from.</summary>
    public EfficientVitConfig Config { get; }

    /// <inheritdoc/>
    public override ModelFamily Family => ModelFamily.EfficientVit;

    /// <summary>224 for every variant (each has an <c>r224</c> checkpoint).</summary>
    public override int DefaultResolution => 224;

    /// <inheritdoc/>
    public override void ValidateResolution(int resolution)
    {
        if (resolution < MinResolution || resolution > MaxResolution)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution,
                $"{Name} has a total stride of 32 and takes square inputs from {MinResolution} to {MaxResolution} pixels " +
                "(multiples of 32, as the official checkpoints use, keep every stage size exact).");
    }

    /// <inheritdoc/>
    public override ArchitectureGraph Build(GraphBuilder graph, GraphValue input, WeightReader weights, int resolution)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(weights);
        ValidateResolution(resolution);
        var net = new Builder(graph, weights, Config);
        var stages = Config.IsLarge ? net.LargeBackbone(input, resolution) : net.BaseBackbone(input, resolution);
        var (logits, classes, pooled) = net.Head(stages[^1].Value);
        return new ArchitectureGraph(logits, classes, [.. stages, pooled]);
    }

    /// <summary>Output side of a 3×3 (or any odd, k / 2 padded) conv with stride 2: PyTorch rounds up.</summary>
    private static int Half(int side) => (side + 1) / 2;

    /// <summary>Emits the blocks of one conversion; holds the graph, the checkpoint and the config.</summary>
    private sealed class Builder(GraphBuilder graph, WeightReader weights, EfficientVitConfig config)
    {
        private readonly double _eps = config.NormEps;

        /// <summary>B series: input_stem (conv + DSConv residuals), two MBConv stages, two attention stages.</summary>
        public List<FeatureOutput> BaseBackbone(GraphValue x, int resolution)
        {
            var w = config.Widths;
            var d = config.Depths;
            var side = Half(resolution);
            x = ConvLayer(x, "backbone.input_stem.op_list.0", 3, w[0], 3, stride: 2, norm: true, bias: false, act: true);
            for (var i = 1; i <= d[0]; i++)
                x = Residual($"backbone.input_stem.op_list.{i}", DsConv(x, $"backbone.input_stem.op_list.{i}.main", w[0]), x);
            var features = new List<FeatureOutput> { Feature("stage0", x, w[0], side) };

            var c = w[0];
            for (var s = 1; s <= 4; s++)
            {
                side = Half(side);
                var prefix = $"backbone.stages.{s - 1}.op_list";
                var attention = s >= 3;
                // Stages 1-2: d MBConvs, the first strided without shortcut. Stages 3-4: one strided
                // MBConv without norms on its expanding convs, then d EfficientViT blocks.
                x = MbConv(x, $"{prefix}.0.main", c, w[s], 4, stride: 2, fewerNorm: attention);
                c = w[s];
                for (var i = 1; i < (attention ? d[s] + 1 : d[s]); i++)
                    x = attention
                        ? EfficientVitBlock(x, $"{prefix}.{i}", c, side, 4)
                        : Residual($"{prefix}.{i}", MbConv(x, $"{prefix}.{i}.main", c, c, 4, stride: 1, fewerNorm: false), x);
                features.Add(Feature($"stage{s}", x, c, side));
            }
            return features;
        }

        /// <summary>L series: stage0 (conv + ResBlocks), two fused-MBConv stages, an MBConv stage, an attention stage.</summary>
        public List<FeatureOutput> LargeBackbone(GraphValue x, int resolution)
        {
            var w = config.Widths;
            var d = config.Depths;
            var side = Half(resolution);
            x = ConvLayer(x, "backbone.stages.0.op_list.0", 3, w[0], 3, stride: 2, norm: true, bias: false, act: true);
            for (var i = 1; i <= d[0]; i++)
                x = Residual($"backbone.stages.0.op_list.{i}", ResBlock(x, $"backbone.stages.0.op_list.{i}.main", w[0]), x);
            var features = new List<FeatureOutput> { Feature("stage0", x, w[0], side) };

            var c = w[0];
            for (var s = 1; s <= 4; s++)
            {
                side = Half(side);
                var prefix = $"backbone.stages.{s}.op_list";
                // Stages 1-2 use fused MBConvs with every norm; stages 3-4 MBConvs whose expanding convs
                // carry a bias instead of a BatchNorm (the official fewer_norm).
                var fused = s <= 2;
                x = fused
                    ? FusedMbConv(x, $"{prefix}.0.main", c, w[s], LargeDownExpand[s], stride: 2)
                    : MbConv(x, $"{prefix}.0.main", c, w[s], LargeDownExpand[s], stride: 2, fewerNorm: true);
                c = w[s];
                for (var i = 1; i <= d[s]; i++)
                {
                    var expand = LargeExpand[s];
                    x = s == 4
                        ? EfficientVitBlock(x, $"{prefix}.{i}", c, side, expand)
                        : fused
                            ? Residual($"{prefix}.{i}", FusedMbConv(x, $"{prefix}.{i}.main", c, c, expand, stride: 1), x)
                            : Residual($"{prefix}.{i}", MbConv(x, $"{prefix}.{i}.main", c, c, expand, stride: 1, fewerNorm: true), x);
                }
                features.Add(Feature($"stage{s}", x, c, side));
            }
            return features;
        }

        /// <summary>
        /// head.op_list: [0] 1×1 ConvLayer (BN folded, act), [1] global average pool, [2] Linear without
        /// bias + LayerNorm + act, [3] Linear. The class count is read from the classifier's weight.
        /// </summary>
        public (GraphValue Logits, int Classes, FeatureOutput Pooled) Head(GraphValue x)
        {
            var (h0, h1) = (config.Head[0], config.Head[1]);
            x = ConvLayer(x, "head.op_list.0", config.Widths[4], h0, 1, stride: 1, norm: true, bias: false, act: true);
            GraphValue pooled;
            using (graph.Scope("head.op_list.1"))
                pooled = graph.Flatten(graph.GlobalAveragePool(x));

            GraphValue hidden;
            using (graph.Scope("head.op_list.2"))
            {
                hidden = graph.Gemm(pooled, graph.Initializer("head.op_list.2.linear.weight", weights.Get("head.op_list.2.linear.weight", h1, h0), [h1, h0]), transB: true);
                var gamma = graph.Initializer("head.op_list.2.norm.weight", weights.Get("head.op_list.2.norm.weight", h1), [h1]);
                var beta = graph.Initializer("head.op_list.2.norm.bias", weights.Get("head.op_list.2.norm.bias", h1), [h1]);
                hidden = Act(graph.LayerNormalization(hidden, gamma, beta, epsilon: (float)_eps));
            }

            using var scope = graph.Scope("head.op_list.3");

            const string classifier = "head.op_list.3.linear";
            var shape = weights.ShapeOf(classifier + ".weight");
            var classes = shape.Length == 2 ? checked((int)shape[0]) : 0;
            var weight = weights.Get(classifier + ".weight", classes, h1);
            var bias = weights.Get(classifier + ".bias", classes);
            var logits = graph.Gemm(hidden, graph.Initializer(classifier + ".weight", weight, [classes, h1]), graph.Initializer(classifier + ".bias", bias, [classes]), transB: true);
            return (logits, classes, new FeatureOutput("pooled", pooled, [h0]));
        }

        /// <summary>conv (k / 2 padding) + optional BN (folded) or bias + optional activation: the official ConvLayer.</summary>
        private GraphValue ConvLayer(GraphValue x, string prefix, int inChannels, int outChannels, int kernel, int stride, bool norm, bool bias, bool act, int groups = 1)
        {
            using var scope = graph.Scope(prefix);
            var y = ConvLayers.ConvBn(graph, x, weights, prefix + ".conv.weight", bias ? prefix + ".conv.bias" : null, norm ? prefix + ".norm" : null, _eps,
                inChannels, outChannels, kernel, stride, groups);
            return act ? Act(y) : y;
        }

        /// <summary>main + x, the official ResidualBlock with an identity shortcut, named after the block.</summary>
        private GraphValue Residual(string prefix, GraphValue main, GraphValue x)
        {
            using var scope = graph.Scope(prefix);
            return graph.Add(main, x);
        }

        private GraphValue Act(GraphValue x) => config.IsLarge ? graph.GeluTanh(x) : graph.HardSwish(x);

        /// <summary>Depthwise 3×3 (BN, act) then pointwise (BN): the B stem's DSConv.</summary>
        private GraphValue DsConv(GraphValue x, string prefix, int channels)
        {
            x = ConvLayer(x, prefix + ".depth_conv", channels, channels, 3, 1, norm: true, bias: false, act: true, groups: channels);
            return ConvLayer(x, prefix + ".point_conv", channels, channels, 1, 1, norm: true, bias: false, act: false);
        }

        /// <summary>Two full 3×3 convs, the first with act: the L stem's ResBlock.</summary>
        private GraphValue ResBlock(GraphValue x, string prefix, int channels)
        {
            x = ConvLayer(x, prefix + ".conv1", channels, channels, 3, 1, norm: true, bias: false, act: true);
            return ConvLayer(x, prefix + ".conv2", channels, channels, 3, 1, norm: true, bias: false, act: false);
        }

        /// <summary>
        /// Inverted bottleneck: 1×1 expand (act), depthwise 3×3 carrying the stride (act), 1×1 project (BN).
        /// With <paramref name="fewerNorm"/> the first two convs have a bias instead of a BatchNorm.
        /// </summary>
        private GraphValue MbConv(GraphValue x, string prefix, int inChannels, int outChannels, int expand, int stride, bool fewerNorm)
        {
            var mid = inChannels * expand;
            x = ConvLayer(x, prefix + ".inverted_conv", inChannels, mid, 1, 1, norm: !fewerNorm, bias: fewerNorm, act: true);
            x = ConvLayer(x, prefix + ".depth_conv", mid, mid, 3, stride, norm: !fewerNorm, bias: fewerNorm, act: true, groups: mid);
            return ConvLayer(x, prefix + ".point_conv", mid, outChannels, 1, 1, norm: true, bias: false, act: false);
        }

        /// <summary>Fused inverted bottleneck: full 3×3 expand carrying the stride (BN, act), 1×1 project (BN).</summary>
        private GraphValue FusedMbConv(GraphValue x, string prefix, int inChannels, int outChannels, int expand, int stride)
        {
            var mid = inChannels * expand;
            x = ConvLayer(x, prefix + ".spatial_conv", inChannels, mid, 3, stride, norm: true, bias: false, act: true);
            return ConvLayer(x, prefix + ".point_conv", mid, outChannels, 1, 1, norm: true, bias: false, act: false);
        }

        /// <summary>LiteMLA residual (<c>context_module</c>) then MBConv residual without inner norms (<c>local_module</c>).</summary>
        private GraphValue EfficientVitBlock(GraphValue x, string prefix, int channels, int side, int expand)
        {
            x = Residual(prefix + ".context_module", LiteMla(x, prefix + ".context_module.main", channels, side), x);
            return Residual(prefix + ".local_module", MbConv(x, prefix + ".local_module.main", channels, channels, expand, stride: 1, fewerNorm: true), x);
        }

        /// <summary>
        /// Multi-scale ReLU linear attention. qkv (1×1) and its 5×5 aggregation (depthwise + grouped 1×1) are
        /// concatenated and read as 2·heads heads of [q; k; v] rows over N = side² tokens. Per head:
        /// out = (v₁ kᵀ) q with v₁ = [v; 1], so the last row is the normalizer Σⱼ kⱼ·qᵢ; the first rows are
        /// divided by it (+1e-15). The official code switches to the quadratic form when N ≤ dim; both
        /// compute the same quantity, and this one is the cheaper for every N > dim.
        /// </summary>
        private GraphValue LiteMla(GraphValue x, string prefix, int channels, int side)
        {
            var dim = config.Dim;
            var heads = channels / dim;
            var total = heads * dim;
            var tokens = (long)side * side;
            var qkv = ConvLayer(x, prefix + ".qkv", channels, 3 * total, 1, 1, norm: false, bias: false, act: false);
            GraphValue mixed;
            using (graph.Scope(prefix + ".aggreg.0"))
            {
                var spread = ConvLayers.ConvBn(graph, qkv, weights, prefix + ".aggreg.0.0.weight", null, null, _eps, 3 * total, 3 * total, 5, groups: 3 * total);
                mixed = ConvLayers.ConvBn(graph, spread, weights, prefix + ".aggreg.0.1.weight", null, null, _eps, 3 * total, 3 * total, 1, groups: 3 * heads);
            }

            GraphValue image;
            using (graph.Scope(prefix))
            {
                var all = graph.Concat(1, [qkv, mixed]);

                // [B, 2·heads, 3·dim, N]; 0 keeps the batch dimension dynamic.
                var perHead = graph.Reshape(all, [0, 2 * heads, 3 * dim, tokens]);
                var qkvParts = graph.Split(perHead, 2, [dim, dim, dim]);
                var q = graph.Relu(qkvParts[0]);
                var kT = graph.Transpose(graph.Relu(qkvParts[1]), [0, 1, 3, 2]);
                var vOnes = graph.Pad(qkvParts[2], [0, 0, 0, 0, 0, 0, 1, 0], value: 1f);
                var product = graph.MatMul(graph.MatMul(vOnes, kT), q);
                var parts = graph.Split(product, 2, [dim, 1]);
                var attended = graph.Div(parts[0], graph.Add(parts[1], graph.Scalar(1e-15f)));
                image = graph.Reshape(attended, [0, 2 * total, side, side]);
            }
            return ConvLayer(image, prefix + ".proj", 2 * total, channels, 1, 1, norm: true, bias: false, act: false);
        }

        private static FeatureOutput Feature(string name, GraphValue value, int channels, int side)
            => new(name, value, [channels, side, side]);
    }
}
