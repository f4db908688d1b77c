namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// A constant tensor of the graph (ONNX <c>TensorProto</c> in <c>GraphProto.initializer</c>), written with
/// <c>raw_data</c>. Float32 payloads borrow the caller's memory until the model is written; float16 and
/// int64 payloads are owned.
/// </summary>
internal sealed class OnnxInitializer
{
    private readonly ReadOnlyMemory<float> _floats;
    private readonly Half[]? _halves;
    private readonly long[]? _longs;

    private OnnxInitializer(string name, TensorElementType type, long[] dims, ReadOnlyMemory<float> floats, Half[]? halves, long[]? longs)
    {
        Name = name;
        ElementType = type;
        Dims = dims;
        _floats = floats;
        _halves = halves;
        _longs = longs;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Dims { get; }

    /// <summary>The float32 payload (empty unless <see cref="ElementType"/> is Float).</summary>
    public ReadOnlyMemory<float> Floats => _floats;

    /// <summary>The float16 payload (empty unless <see cref="ElementType"/> is Float16).</summary>
    public ReadOnlySpan<Half> Halves => _halves;

    public long ElementCount => ElementType switch
    {
        TensorElementType.Float => _floats.Length,
        TensorElementType.Float16 => _halves!.Length,
        _ => _longs!.Length,
    };

    public long PayloadBytes => ElementType switch
    {
        TensorElementType.Float => 4L * _floats.Length,
        TensorElementType.Float16 => 2L * _halves!.Length,
        _ => 8L * _longs!.Length,
    };

    public static OnnxInitializer Float32(string name, long[] dims, ReadOnlyMemory<float> data) => new(name, TensorElementType.Float, dims, data, null, null);

    public static OnnxInitializer Float16(string name, long[] dims, Half[] data) => new(name, TensorElementType.Float16, dims, default, data, null);

    public static OnnxInitializer Int64(string name, long[] dims, long[] data) => new(name, TensorElementType.Int64, dims, default, null, data);

    public long BodySize()
    {
        long size = ProtoSize.Int32(OnnxFields.Tensor.DataType, (int)ElementType) + ProtoSize.String(OnnxFields.Tensor.Name, Name);
        foreach (long dim in Dims)
        {
            size += ProtoSize.Int64(OnnxFields.Tensor.Dims, dim);
        }

        return size + ProtoSize.LengthDelimited(OnnxFields.Tensor.RawData, PayloadBytes);
    }

    public void WriteBody(ProtoOutput output)
    {
        foreach (long dim in Dims)
        {
            output.Int64(OnnxFields.Tensor.Dims, dim);
        }

        output.Int32(OnnxFields.Tensor.DataType, (int)ElementType);
        output.String(OnnxFields.Tensor.Name, Name);
        output.BeginLengthDelimited(OnnxFields.Tensor.RawData, PayloadBytes);
        switch (ElementType)
        {
            case TensorElementType.Float:
                output.LittleEndian(_floats.Span);
                break;
            case TensorElementType.Float16:
                output.LittleEndian<Half>(_halves);
                break;
            default:
                output.LittleEndian<long>(_longs);
                break;
        }
    }
}
