namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Element type of an ONNX tensor, with the numeric values of ONNX's <c>TensorProto.DataType</c>
/// (and ONNX Runtime's <c>ONNXTensorElementDataType</c>). Types newer than these keep their number.
/// </summary>
public enum OnnxElementType
{
    /// <summary>Not a tensor, or the type is unknown.</summary>
    Undefined = 0,
    /// <summary>32-bit float (<see cref="float"/>).</summary>
    Float = 1,
    /// <summary>8-bit unsigned integer (<see cref="byte"/>).</summary>
    UInt8 = 2,
    /// <summary>8-bit signed integer (<see cref="sbyte"/>).</summary>
    Int8 = 3,
    /// <summary>16-bit unsigned integer (<see cref="ushort"/>).</summary>
    UInt16 = 4,
    /// <summary>16-bit signed integer (<see cref="short"/>).</summary>
    Int16 = 5,
    /// <summary>32-bit signed integer (<see cref="int"/>).</summary>
    Int32 = 6,
    /// <summary>64-bit signed integer (<see cref="long"/>).</summary>
    Int64 = 7,
    /// <summary>UTF-8 string; not supported over caller memory.</summary>
    String = 8,
    /// <summary>Boolean, one byte per element (<see cref="bool"/>).</summary>
    Bool = 9,
    /// <summary>IEEE half precision (<see cref="Half"/>).</summary>
    Float16 = 10,
    /// <summary>64-bit float (<see cref="double"/>).</summary>
    Double = 11,
    /// <summary>32-bit unsigned integer (<see cref="uint"/>).</summary>
    UInt32 = 12,
    /// <summary>64-bit unsigned integer (<see cref="ulong"/>).</summary>
    UInt64 = 13,
    /// <summary>Complex of two 32-bit floats.</summary>
    Complex64 = 14,
    /// <summary>Complex of two 64-bit floats.</summary>
    Complex128 = 15,
    /// <summary>bfloat16 (no .NET type; read as <see cref="ushort"/> bits).</summary>
    BFloat16 = 16,
}

/// <summary>Maps .NET element types to <see cref="OnnxElementType"/>.</summary>
internal static class OnnxElementTypes
{
    /// <summary>The ONNX type for <typeparamref name="T"/>, or <see cref="OnnxElementType.Undefined"/> when there is none.</summary>
    public static OnnxElementType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return OnnxElementType.Float;
        if (typeof(T) == typeof(Half)) return OnnxElementType.Float16;
        if (typeof(T) == typeof(long)) return OnnxElementType.Int64;
        if (typeof(T) == typeof(byte)) return OnnxElementType.UInt8;
        if (typeof(T) == typeof(bool)) return OnnxElementType.Bool;
        if (typeof(T) == typeof(int)) return OnnxElementType.Int32;
        if (typeof(T) == typeof(double)) return OnnxElementType.Double;
        if (typeof(T) == typeof(sbyte)) return OnnxElementType.Int8;
        if (typeof(T) == typeof(short)) return OnnxElementType.Int16;
        if (typeof(T) == typeof(ushort)) return OnnxElementType.UInt16;
        if (typeof(T) == typeof(uint)) return OnnxElementType.UInt32;
        if (typeof(T) == typeof(ulong)) return OnnxElementType.UInt64;
        return OnnxElementType.Undefined;
    }

    /// <summary>True when <typeparamref name="T"/> can view data of <paramref name="type"/> (bfloat16 as ushort bits).</summary>
    public static bool Matches<T>(OnnxElementType type) where T : unmanaged
        => Of<T>() == type || (type == OnnxElementType.BFloat16 && typeof(T) == typeof(ushort));

    /// <summary>The element count a shape holds; throws when a dimension is negative or the product overflows.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape, string what)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"The shape {Format(shape)} of {what} has a negative dimension; every dimension must be 0 or more.", nameof(shape));
            count = checked(count * d);
        }
        return count;
    }

    /// <summary>Formats a shape as "[1, 3, 224, 224]" for messages.</summary>
    public static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Formats model dimensions, writing symbolic ones by name and unknown ones as "?".</summary>
    public static string Format(IReadOnlyList<long> dims, IReadOnlyList<string?> symbols)
    {
        var parts = new string[dims.Count];
        for (var i = 0; i < parts.Length; i++)
            parts[i] = dims[i] >= 0 ? dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture) : symbols[i] ?? "?";
        return "[" + string.Join(", ", parts) + "]";
    }
}
