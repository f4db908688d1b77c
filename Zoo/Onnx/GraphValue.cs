namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// A named value in a graph under construction: a graph input, an initializer or a node output.
/// Operator helpers on <see cref="GraphBuilder"/> take and return these.
/// </summary>
/// <param name="Name">The value's unique name in the graph; empty for an omitted optional input.</param>
public readonly record struct GraphValue(string Name)
{
    /// <summary>An omitted optional operator input (ONNX writes an empty name).</summary>
    public static GraphValue None => new(string.Empty);

    /// <summary>True when this stands for an omitted optional input.</summary>
    public bool IsNone => string.IsNullOrEmpty(Name);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
