namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>Element types a checkpoint tensor can hold (PyTorch storage types, safetensors dtypes).</summary>
public enum CheckpointDType
{
    /// <summary>32-bit IEEE float (torch.float32, safetensors F32).</summary>
    Float32,
    /// <summary>16-bit IEEE float (torch.float16, safetensors F16).</summary>
    Float16,
    /// <summary>bfloat16: the top 16 bits of a float32 (torch.bfloat16, safetensors BF16).</summary>
    BFloat16,
    /// <summary>64-bit IEEE float (torch.float64, safetensors F64).</summary>
    Float64,
    /// <summary>64-bit signed integer (torch.int64, e.g. BatchNorm's num_batches_tracked; safetensors I64).</summary>
    Int64,
    /// <summary>32-bit signed integer (torch.int32, safetensors I32).</summary>
    Int32,
    /// <summary>16-bit signed integer (torch.int16, safetensors I16).</summary>
    Int16,
    /// <summary>8-bit signed integer (torch.int8, safetensors I8).</summary>
    Int8,
    /// <summary>8-bit unsigned integer (torch.uint8, safetensors U8).</summary>
    UInt8,
    /// <summary>Boolean stored as one byte, 0 or 1 (torch.bool, safetensors BOOL).</summary>
    Bool,
}

/// <summary>Sizes and names of <see cref="CheckpointDType"/> values.</summary>
public static class CheckpointDTypeExtensions
{
    /// <summary>The size of one element in bytes.</summary>
    /// <param name="dtype">The element type.</param>
    public static int ItemSize(this CheckpointDType dtype) => dtype switch
    {
        CheckpointDType.Float32 or CheckpointDType.Int32 => 4,
        CheckpointDType.Float16 or CheckpointDType.BFloat16 or CheckpointDType.Int16 => 2,
        CheckpointDType.Float64 or CheckpointDType.Int64 => 8,
        CheckpointDType.Int8 or CheckpointDType.UInt8 or CheckpointDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown checkpoint dtype"),
    };

    /// <summary>True for the floating-point types.</summary>
    /// <param name="dtype">The element type.</param>
    public static bool IsFloatingPoint(this CheckpointDType dtype) => dtype is CheckpointDType.Float32
        or CheckpointDType.Float16 or CheckpointDType.BFloat16 or CheckpointDType.Float64;
}
