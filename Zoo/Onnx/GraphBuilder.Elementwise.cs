namespace MLNetAttn.Zoo.Onnx;

/// <summary>Element-wise operators (numpy-style broadcasting where ONNX allows it).</summary>
public sealed partial class GraphBuilder
{
    /// <summary>a + b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand (broadcast).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Add(GraphValue a, GraphValue b, string? name = null) => Op("Add", [a, b], name: name);

    /// <summary>a - b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand (broadcast).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Sub(GraphValue a, GraphValue b, string? name = null) => Op("Sub", [a, b], name: name);

    /// <summary>a * b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand (broadcast).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Mul(GraphValue a, GraphValue b, string? name = null) => Op("Mul", [a, b], name: name);

    /// <summary>a / b.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand (broadcast).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Div(GraphValue a, GraphValue b, string? name = null) => Op("Div", [a, b], name: name);

    /// <summary>a ^ b.</summary>
    /// <param name="a">Base.</param>
    /// <param name="b">Exponent (broadcast).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Pow(GraphValue a, GraphValue b, string? name = null) => Op("Pow", [a, b], name: name);

    /// <summary>max(x, 0).</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Relu(GraphValue x, string? name = null) => Op("Relu", [x], name: name);

    /// <summary>x * relu6(x + 3) / 6 (PyTorch's Hardswish), opset 14+.</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue HardSwish(GraphValue x, string? name = null) => Op("HardSwish", [x], name: name);

    /// <summary>1 / (1 + exp(-x)).</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Sigmoid(GraphValue x, string? name = null) => Op("Sigmoid", [x], name: name);

    /// <summary>x * sigmoid(x) (SiLU / Swish), as Sigmoid then Mul.</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Silu(GraphValue x, string? name = null) => Mul(x, Sigmoid(x), name);

    /// <summary>tanh(x).</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Tanh(GraphValue x, string? name = null) => Op("Tanh", [x], name: name);

    /// <summary>erf(x), the Gauss error function.</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Erf(GraphValue x, string? name = null) => Op("Erf", [x], name: name);

    /// <summary>sqrt(x).</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Sqrt(GraphValue x, string? name = null) => Op("Sqrt", [x], name: name);

    /// <summary>exp(x).</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Exp(GraphValue x, string? name = null) => Op("Exp", [x], name: name);

    /// <summary>Clamps x to [min, max] (for example ReLU6 = Clip(x, 0, 6)); float32 bounds.</summary>
    /// <param name="x">Input.</param>
    /// <param name="min">Lower bound, or null for none.</param>
    /// <param name="max">Upper bound, or null for none.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Clip(GraphValue x, float? min, float? max, string? name = null)
        => Op("Clip", [x, min is { } lo ? Scalar(lo) : GraphValue.None, max is { } hi ? Scalar(hi) : GraphValue.None], name: name);

    /// <summary>Returns x unchanged under a new name.</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Identity(GraphValue x, string? name = null) => Op("Identity", [x], name: name);

    /// <summary>Converts x to another element type.</summary>
    /// <param name="x">Input.</param>
    /// <param name="to">The target element type.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Cast(GraphValue x, TensorElementType to, string? name = null)
        => Op("Cast", [x], [OnnxAttribute.Int("to", (long)to)], name);
}
