namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Element types of ONNX tensors, with the numeric values of onnx.proto's <c>TensorProto.DataType</c>
/// (only the ones the model writer uses).
/// </summary>
public enum TensorElementType
{
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer (raw image bytes).</summary>
    UInt8 = 2,

    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,

    /// <summary>64-bit signed integer (shapes, axes, indices).</summary>
    Int64 = 7,

    /// <summary>Boolean.</summary>
    Bool = 9,

    /// <summary>16-bit IEEE float.</summary>
    Float16 = 10,

    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
}
