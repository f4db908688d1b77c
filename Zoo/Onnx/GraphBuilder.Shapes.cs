namespace MLNetAttn.Zoo.Onnx;

/// <summary>Shape and layout operators, reductions, padding and resizing.</summary>
public sealed partial class GraphBuilder
{
    /// <summary>Reshapes to a constant shape (0 copies the input dimension, -1 is inferred).</summary>
    /// <param name="x">Input.</param>
    /// <param name="shape">The target shape.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Reshape(GraphValue x, ReadOnlySpan<long> shape, string? name = null) => Reshape(x, Int64Vector(shape), name);

    /// <summary>Reshapes to a shape computed in the graph (for example by <see cref="Shape"/>).</summary>
    /// <param name="x">Input.</param>
    /// <param name="shape">A 1-D int64 value.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Reshape(GraphValue x, GraphValue shape, string? name = null) => Op("Reshape", [x, shape], name: name);

    /// <summary>Permutes axes: output axis i is input axis perm[i].</summary>
    /// <param name="x">Input.</param>
    /// <param name="perm">The permutation.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Transpose(GraphValue x, ReadOnlySpan<int> perm, string? name = null) => Op("Transpose", [x], [OnnxAttribute.Ints("perm", perm)], name);

    /// <summary>Joins tensors along an axis.</summary>
    /// <param name="axis">The axis.</param>
    /// <param name="inputs">The tensors, in order.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Concat(int axis, ReadOnlySpan<GraphValue> inputs, string? name = null)
    {
        if (inputs.IsEmpty)
        {
            throw new ArgumentException($"Concat in graph '{GraphName}' needs at least one input.", nameof(inputs));
        }

        return Op("Concat", inputs, [OnnxAttribute.Int("axis", axis)], name);
    }

    /// <summary>Splits along an axis into pieces of the given sizes (PyTorch's torch.split with a list).</summary>
    /// <param name="x">Input.</param>
    /// <param name="axis">The axis.</param>
    /// <param name="sizes">The size of each piece; they must add up to the axis length.</param>
    /// <param name="name">Name of the first piece; null generates names.</param>
    /// <returns>One value per piece.</returns>
    public GraphValue[] Split(GraphValue x, int axis, ReadOnlySpan<long> sizes, string? name = null)
    {
        if (sizes.IsEmpty)
        {
            throw new ArgumentException($"Split in graph '{GraphName}' needs at least one size.", nameof(sizes));
        }

        // The sizes are an input from opset 13 on (opset 18 also accepts num_outputs; the input form works in both).
        return Node("Split", [x, Int64Vector(sizes)], [OnnxAttribute.Int("axis", axis)], sizes.Length, name);
    }

    /// <summary>Takes x[starts:ends:steps] on the given axes (ends are clamped; use long.MaxValue for "to the end").</summary>
    /// <param name="x">Input.</param>
    /// <param name="starts">Start per axis.</param>
    /// <param name="ends">End (exclusive) per axis.</param>
    /// <param name="axes">The axes; null = the first starts.Length axes.</param>
    /// <param name="steps">Step per axis; null = 1.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Slice(GraphValue x, ReadOnlySpan<long> starts, ReadOnlySpan<long> ends, ReadOnlySpan<long> axes = default, ReadOnlySpan<long> steps = default, string? name = null)
    {
        if (starts.Length != ends.Length || (!axes.IsEmpty && axes.Length != starts.Length) || (!steps.IsEmpty && steps.Length != starts.Length))
        {
            throw new ArgumentException($"Slice in graph '{GraphName}': starts, ends, axes and steps must have one entry per sliced axis (starts has {starts.Length}).");
        }

        return Op(
            "Slice",
            [x, Int64Vector(starts), Int64Vector(ends), axes.IsEmpty ? GraphValue.None : Int64Vector(axes), steps.IsEmpty ? GraphValue.None : Int64Vector(steps)],
            name: name);
    }

    /// <summary>Flattens to 2-D: dims before <paramref name="axis"/> become rows, the rest columns.</summary>
    /// <param name="x">Input.</param>
    /// <param name="axis">The first axis of the column part. Default = 1.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Flatten(GraphValue x, int axis = 1, string? name = null) => Op("Flatten", [x], [OnnxAttribute.Int("axis", axis)], name);

    /// <summary>The shape of x as a 1-D int64 tensor.</summary>
    /// <param name="x">Input.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Shape(GraphValue x, string? name = null) => Op("Shape", [x], name: name);

    /// <summary>Inserts size-1 axes (opset 13+: axes as an input).</summary>
    /// <param name="x">Input.</param>
    /// <param name="axes">Positions of the new axes in the output.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Unsqueeze(GraphValue x, ReadOnlySpan<long> axes, string? name = null) => Op("Unsqueeze", [x, Int64Vector(axes)], name: name);

    /// <summary>Removes size-1 axes (opset 13+: axes as an input).</summary>
    /// <param name="x">Input.</param>
    /// <param name="axes">The axes to remove.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Squeeze(GraphValue x, ReadOnlySpan<long> axes, string? name = null) => Op("Squeeze", [x, Int64Vector(axes)], name: name);

    /// <summary>Mean over the given axes; written for the graph's opset (axes attribute before 18, input from 18).</summary>
    /// <param name="x">Input.</param>
    /// <param name="axes">The axes to reduce.</param>
    /// <param name="keepDims">Keep reduced axes as size 1. Default = true (ONNX's default; PyTorch's mean(keepdim=False) needs false).</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue ReduceMean(GraphValue x, ReadOnlySpan<long> axes, bool keepDims = true, string? name = null)
    {
        OnnxAttribute keep = OnnxAttribute.Int("keepdims", keepDims ? 1 : 0);
        return Opset >= 18
            ? Op("ReduceMean", [x, Int64Vector(axes)], [keep], name)
            : Op("ReduceMean", [x], [OnnxAttribute.Ints("axes", axes), keep], name);
    }

    /// <summary>Pads with a constant, by reflection or by edge replication.</summary>
    /// <param name="x">Input.</param>
    /// <param name="pads">[begin per axis..., end per axis...] over all axes of x (ONNX order, unlike PyTorch's F.pad).</param>
    /// <param name="mode">"constant", "reflect" or "edge".</param>
    /// <param name="value">The constant for "constant" mode.</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Pad(GraphValue x, ReadOnlySpan<long> pads, string mode = "constant", float value = 0f, string? name = null)
    {
        if (mode is not ("constant" or "reflect" or "edge"))
        {
            throw new ArgumentException($"Pad mode '{mode}' in graph '{GraphName}' is not one of constant, reflect, edge.", nameof(mode));
        }

        GraphValue constant = mode == "constant" && value != 0f ? Scalar(value) : GraphValue.None;
        return Op("Pad", [x, Int64Vector(pads), constant], [OnnxAttribute.String("mode", mode)], name);
    }

    /// <summary>Resizes by per-axis scale factors (over all axes, so [1, 1, 2, 2] doubles H and W of NCHW).</summary>
    /// <param name="x">Input.</param>
    /// <param name="scales">Scale per axis.</param>
    /// <param name="mode">"nearest", "linear" or "cubic".</param>
    /// <param name="coordinateTransformation">ONNX coordinate_transformation_mode. "half_pixel" matches PyTorch's bilinear with align_corners=False; "asymmetric" with nearest_mode "floor" matches PyTorch's nearest.</param>
    /// <param name="nearestMode">ONNX nearest_mode, used by "nearest".</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue Resize(GraphValue x, ReadOnlySpan<float> scales, string mode = "nearest", string coordinateTransformation = "half_pixel", string nearestMode = "round_prefer_floor", string? name = null)
        => Op("Resize", [x, GraphValue.None, FloatVector(scales)], ResizeAttributes(mode, coordinateTransformation, nearestMode), name);

    /// <summary>Resizes to a fixed output size (over all axes, for example [N, C, 56, 56]).</summary>
    /// <param name="x">Input.</param>
    /// <param name="sizes">Output size per axis.</param>
    /// <param name="mode">"nearest", "linear" or "cubic".</param>
    /// <param name="coordinateTransformation">ONNX coordinate_transformation_mode (see the scales overload).</param>
    /// <param name="nearestMode">ONNX nearest_mode, used by "nearest".</param>
    /// <param name="name">Output name; null generates one.</param>
    public GraphValue ResizeTo(GraphValue x, ReadOnlySpan<long> sizes, string mode = "nearest", string coordinateTransformation = "half_pixel", string nearestMode = "round_prefer_floor", string? name = null)
        => Op("Resize", [x, GraphValue.None, GraphValue.None, Int64Vector(sizes)], ResizeAttributes(mode, coordinateTransformation, nearestMode), name);

    private OnnxAttribute[] ResizeAttributes(string mode, string coordinateTransformation, string nearestMode)
    {
        if (mode is not ("nearest" or "linear" or "cubic"))
        {
            throw new ArgumentException($"Resize mode '{mode}' in graph '{GraphName}' is not one of nearest, linear, cubic.", nameof(mode));
        }

        return mode == "nearest"
            ? [OnnxAttribute.String("coordinate_transformation_mode", coordinateTransformation), OnnxAttribute.String("mode", mode), OnnxAttribute.String("nearest_mode", nearestMode)]
            : [OnnxAttribute.String("coordinate_transformation_mode", coordinateTransformation), OnnxAttribute.String("mode", mode)];
    }
}
