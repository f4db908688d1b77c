namespace MLNetAttn.Zoo.Onnx;

/// <summary>Convolution, matrix products, pooling, normalization and softmax.</summary>
public sealed partial class GraphBuilder
{
    /// <summary>2-D convolution with square stride, padding and dilation (PyTorch's Conv2d with int arguments).</summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="weight">Kernel [O, C / group, kh, kw].</param>
    /// <param name="bias">Bias [O], or null for none.</param>
    /// <param name="stride">Stride on both axes.</param>
    /// <param name="padding">Zero padding on all four sides.</param>
    /// <param name="dilation">Dilation on both axes.</param>
    /// <param name="group">Groups (C for depthwise).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Conv(GraphValue x, GraphValue weight, GraphValue? bias = null, int stride = 1, int padding = 0, int dilation = 1, int group = 1, string? name = null)
        => Conv(x, weight, bias, [stride, stride], [padding, padding, padding, padding], [dilation, dilation], group, name);

    /// <summary>N-D convolution with explicit per-axis attributes.</summary>
    /// <param name="x">Input [N, C, spatial...].</param>
    /// <param name="weight">Kernel [O, C / group, k...].</param>
    /// <param name="bias">Bias [O], or null for none.</param>
    /// <param name="strides">Stride per spatial axis.</param>
    /// <param name="pads">Padding as [begin per axis..., end per axis...] (ONNX order: top, left, bottom, right in 2-D).</param>
    /// <param name="dilations">Dilation per spatial axis.</param>
    /// <param name="group">Groups.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Conv(GraphValue x, GraphValue weight, GraphValue? bias, ReadOnlySpan<int> strides, ReadOnlySpan<int> pads, ReadOnlySpan<int> dilations, int group = 1, string? name = null)
    {
        if (pads.Length != 2 * strides.Length || dilations.Length != strides.Length)
        {
            throw new ArgumentException($"Conv in graph '{GraphName}': pads need two entries per spatial axis and dilations one ({strides.Length} axes from strides); got {pads.Length} pads, {dilations.Length} dilations.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(group);
        return Op(
            "Conv",
            [x, weight, bias ?? GraphValue.None],
            [OnnxAttribute.Ints("dilations", dilations), OnnxAttribute.Int("group", group), OnnxAttribute.Ints("pads", pads), OnnxAttribute.Ints("strides", strides)],
            name);
    }

    /// <summary>General matrix product alpha * A' * B' + beta * C on 2-D tensors.</summary>
    /// <param name="a">A [M, K] (or [K, M] with <paramref name="transA"/>).</param>
    /// <param name="b">B [K, N] (or [N, K] with <paramref name="transB"/>, the layout of a PyTorch Linear weight).</param>
    /// <param name="c">C broadcastable to [M, N], or null.</param>
    /// <param name="transA">Transpose A first.</param>
    /// <param name="transB">Transpose B first.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Gemm(GraphValue a, GraphValue b, GraphValue? c = null, bool transA = false, bool transB = false, float alpha = 1f, float beta = 1f, string? name = null)
    {
        var attributes = new List<OnnxAttribute>(4);
        if (alpha != 1f)
        {
            attributes.Add(OnnxAttribute.Float("alpha", alpha));
        }

        if (beta != 1f)
        {
            attributes.Add(OnnxAttribute.Float("beta", beta));
        }

        if (transA)
        {
            attributes.Add(OnnxAttribute.Int("transA", 1));
        }

        if (transB)
        {
            attributes.Add(OnnxAttribute.Int("transB", 1));
        }

        return Op("Gemm", [a, b, c ?? GraphValue.None], [.. attributes], name);
    }

    /// <summary>
    /// PyTorch's nn.Linear on inputs of any rank [..., I]: MatMul with the transposed weight, then Add.
    /// The weight keeps its checkpoint layout [O, I]; the Transpose of a constant is folded by ONNX Runtime
    /// when the session loads, so it costs nothing at run time.
    /// </summary>
    /// <param name="x">Input [..., I].</param>
    /// <param name="weight">Weight [O, I].</param>
    /// <param name="bias">Bias [O], or null for none.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Linear(GraphValue x, GraphValue weight, GraphValue? bias = null, string? name = null)
    {
        GraphValue product = MatMul(x, Transpose(weight, [1, 0]), bias is null ? name : null);
        return bias is { } b ? Add(product, b, name) : product;
    }

    /// <summary>Batched matrix product with numpy semantics.</summary>
    /// <param name="a">Left [..., M, K].</param>
    /// <param name="b">Right [..., K, N].</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue MatMul(GraphValue a, GraphValue b, string? name = null) => Op("MatMul", [a, b], name: name);

    /// <summary>Softmax along one axis (opset 13 semantics).</summary>
    /// <param name="x">Input.</param>
    /// <param name="axis">The axis to normalize. Default = -1 (last).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Softmax(GraphValue x, int axis = -1, string? name = null) => Op("Softmax", [x], [OnnxAttribute.Int("axis", axis)], name);

    /// <summary>Mean over all spatial positions, keeping them as size-1 axes ([N, C, 1, 1] for 2-D).</summary>
    /// <param name="x">Input [N, C, spatial...].</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue GlobalAveragePool(GraphValue x, string? name = null) => Op("GlobalAveragePool", [x], name: name);

    /// <summary>2-D average pooling with square kernel, stride and padding.</summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="kernel">Kernel size.</param>
    /// <param name="stride">Stride; null = kernel (PyTorch's default).</param>
    /// <param name="padding">Padding on all sides.</param>
    /// <param name="countIncludePad">Whether padded zeros count in the mean (PyTorch's default is true).</param>
    /// <param name="ceilMode">Round the output size up.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue AveragePool(GraphValue x, int kernel, int? stride = null, int padding = 0, bool countIncludePad = true, bool ceilMode = false, string? name = null)
    {
        int s = stride ?? kernel;
        return Op(
            "AveragePool",
            [x],
            [OnnxAttribute.Int("ceil_mode", ceilMode ? 1 : 0), OnnxAttribute.Int("count_include_pad", countIncludePad ? 1 : 0),
             OnnxAttribute.Ints("kernel_shape", [kernel, kernel]), OnnxAttribute.Ints("pads", [padding, padding, padding, padding]), OnnxAttribute.Ints("strides", [s, s])],
            name);
    }

    /// <summary>2-D max pooling with square kernel, stride and padding.</summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="kernel">Kernel size.</param>
    /// <param name="stride">Stride; null = kernel (PyTorch's default).</param>
    /// <param name="padding">Padding on all sides (padded positions never win).</param>
    /// <param name="ceilMode">Round the output size up.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue MaxPool(GraphValue x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, string? name = null)
    {
        int s = stride ?? kernel;
        return Op(
            "MaxPool",
            [x],
            [OnnxAttribute.Int("ceil_mode", ceilMode ? 1 : 0), OnnxAttribute.Ints("kernel_shape", [kernel, kernel]),
             OnnxAttribute.Ints("pads", [padding, padding, padding, padding]), OnnxAttribute.Ints("strides", [s, s])],
            name);
    }

    /// <summary>
    /// Inference-mode batch normalization (for BatchNorm layers that are not folded into a neighbour;
    /// see <see cref="BatchNormFolding"/> for folding).
    /// </summary>
    /// <param name="x">Input [N, C, ...].</param>
    /// <param name="scale">gamma [C].</param>
    /// <param name="bias">beta [C].</param>
    /// <param name="mean">Running mean [C].</param>
    /// <param name="variance">Running variance [C].</param>
    /// <param name="epsilon">Added to the variance. Default = 1e-5 (PyTorch's default).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue BatchNormalization(GraphValue x, GraphValue scale, GraphValue bias, GraphValue mean, GraphValue variance, float epsilon = 1e-5f, string? name = null)
        => Op("BatchNormalization", [x, scale, bias, mean, variance], [OnnxAttribute.Float("epsilon", epsilon)], name);

    /// <summary>Layer normalization over the axes from <paramref name="axis"/> to the last (opset 17).</summary>
    /// <param name="x">Input.</param>
    /// <param name="scale">gamma, shaped like the normalized axes.</param>
    /// <param name="bias">beta, shaped like the normalized axes; null for none.</param>
    /// <param name="axis">First normalized axis. Default = -1 (PyTorch's LayerNorm over the last dimension).</param>
    /// <param name="epsilon">Added to the variance. Default = 1e-5 (PyTorch's default; timm often uses 1e-6).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue LayerNormalization(GraphValue x, GraphValue scale, GraphValue? bias = null, int axis = -1, float epsilon = 1e-5f, string? name = null)
        => Op("LayerNormalization", [x, scale, bias ?? GraphValue.None], [OnnxAttribute.Int("axis", axis), OnnxAttribute.Float("epsilon", epsilon)], name);
}
