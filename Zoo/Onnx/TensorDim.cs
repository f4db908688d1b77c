namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// One dimension of a graph input or output: a fixed size or a symbolic name such as <c>"batch"</c>.
/// Converts implicitly from <see cref="long"/> and <see cref="string"/>, so a shape reads
/// <c>["batch", 3, 224, 224]</c>.
/// </summary>
public readonly record struct TensorDim
{
    private TensorDim(long value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The fixed size, or -1 when the dimension is symbolic.</summary>
    public long Value { get; }

    /// <summary>The symbolic name (ONNX <c>dim_param</c>), or null for a fixed size.</summary>
    public string? Symbol { get; }

    /// <summary>True when the dimension is a symbolic name rather than a number.</summary>
    public bool IsSymbolic => Symbol is not null;

    /// <summary>A fixed size.</summary>
    /// <param name="value">The size; zero or more.</param>
    public static TensorDim Fixed(long value)
        => value >= 0 ? new(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "A fixed dimension must be zero or more; use a symbolic name for a dynamic one.");

    /// <summary>A symbolic (dynamic) size shared by every dimension with the same name.</summary>
    /// <param name="name">A non-empty name such as "batch".</param>
    public static TensorDim Named(string name)
        => !string.IsNullOrEmpty(name) ? new(-1, name) : throw new ArgumentException("A symbolic dimension needs a non-empty name such as \"batch\".", nameof(name));

    /// <summary>Converts a number to a fixed dimension.</summary>
    public static implicit operator TensorDim(long value) => Fixed(value);

    /// <summary>Converts a name to a symbolic dimension.</summary>
    public static implicit operator TensorDim(string name) => Named(name);

    /// <inheritdoc/>
    public override string ToString() => Symbol ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
