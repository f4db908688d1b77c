namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Operators the default opset lacks, written as subgraphs of standard operators in the patterns ONNX
/// Runtime's graph optimizer recognizes and fuses.
/// </summary>
public sealed partial class GraphBuilder
{
    private const float Sqrt2 = 1.4142135623730951f;
    private const float SqrtTwoOverPi = 0.7978845608028654f;

    /// <summary>
    /// Exact (erf) GELU, x * 0.5 * (1 + erf(x / sqrt(2))), PyTorch's nn.GELU() default. Written as
    /// Div, Erf, Add, Mul, Mul, the order torch's exporter uses, which ONNX Runtime fuses into one Gelu.
    /// </summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Gelu(GraphValue x, string? name = null)
    {
        GraphValue erf = Erf(Div(x, Scalar(Sqrt2)));
        GraphValue gate = Mul(x, Add(erf, Scalar(1f)));
        return Mul(gate, Scalar(0.5f), name);
    }

    /// <summary>
    /// Tanh-approximated GELU, 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))), PyTorch's
    /// nn.GELU(approximate="tanh"). Opsets before 20 have no Gelu operator, so it is written out of
    /// standard operators, x^3 as two multiplications.
    /// </summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue GeluTanh(GraphValue x, string? name = null)
    {
        GraphValue cube = Mul(Mul(x, x), x);
        GraphValue inner = Add(x, Mul(cube, Scalar(0.044715f)));
        GraphValue gate = Add(Tanh(Mul(inner, Scalar(SqrtTwoOverPi))), Scalar(1f));
        return Mul(Mul(x, Scalar(0.5f)), gate, name);
    }

    /// <summary>
    /// Group normalization (PyTorch's nn.GroupNorm) on [N, C, spatial...]: mean and variance per sample over
    /// each group of C / groups channels and all positions (variance biased, as PyTorch), then a per-channel
    /// affine. groups = 1 gives the channels-first "LayerNorm over C, H, W" many vision models use.
    /// The result is reshaped back with Shape(x), so static shape inference needs data propagation
    /// (onnx's infer_shapes(data_prop=True)); ONNX Runtime resolves it when the session loads.
    /// </summary>
    /// <param name="x">Input [N, C, spatial...].</param>
    /// <param name="groups">Number of groups; must divide C.</param>
    /// <param name="scale">gamma shaped [C, 1, ...] to broadcast over the spatial axes (for 2-D: [C, 1, 1]).</param>
    /// <param name="bias">beta shaped like <paramref name="scale"/>.</param>
    /// <param name="epsilon">Added to the variance. Default = 1e-5 (PyTorch's default).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue GroupNorm(GraphValue x, int groups, GraphValue scale, GraphValue bias, float epsilon = 1e-5f, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);

        // [N, G, C/G * spatial]: 0 keeps N, -1 gathers the rest, so the batch stays dynamic.
        GraphValue grouped = Reshape(x, [0, groups, -1]);
        GraphValue centered = Sub(grouped, ReduceMean(grouped, [2]));
        GraphValue variance = ReduceMean(Mul(centered, centered), [2]);
        GraphValue normalized = Div(centered, Sqrt(Add(variance, Scalar(epsilon))));
        GraphValue restored = Reshape(normalized, Shape(x));
        return Add(Mul(restored, scale), bias, name);
    }
}
