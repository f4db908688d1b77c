namespace MLNetAttn.Zoo.Onnx;

/// <summary>A graph input or output declaration (ONNX <c>ValueInfoProto</c> with a tensor type).</summary>
internal sealed class OnnxValueInfo(string name, TensorElementType elementType, TensorDim[] shape)
{
    public string Name { get; } = name;

    public TensorElementType ElementType { get; } = elementType;

    /// <summary>The dimensions (always written: the checker requires a shape on graph inputs and outputs).</summary>
    public TensorDim[] Shape { get; } = shape;

    public long BodySize()
        => ProtoSize.String(OnnxFields.ValueInfo.Name, Name)
         + ProtoSize.LengthDelimited(OnnxFields.ValueInfo.Type, TypeSize());

    public void WriteBody(ProtoOutput output)
    {
        output.String(OnnxFields.ValueInfo.Name, Name);
        output.BeginLengthDelimited(OnnxFields.ValueInfo.Type, TypeSize());
        output.BeginLengthDelimited(OnnxFields.Type.TensorType, TensorTypeSize());
        output.Int32(OnnxFields.Type.TensorElemType, (int)ElementType);
        output.BeginLengthDelimited(OnnxFields.Type.TensorShape, ShapeSize());
        foreach (TensorDim dim in Shape)
        {
            output.BeginLengthDelimited(OnnxFields.Shape.Dim, DimSize(dim));
            if (dim.IsSymbolic)
            {
                output.String(OnnxFields.Shape.DimParam, dim.Symbol!);
            }
            else
            {
                output.Int64(OnnxFields.Shape.DimValue, dim.Value);
            }
        }
    }

    // TypeProto { tensor_type = TypeProto.Tensor { elem_type, shape = TensorShapeProto { dim* } } }
    private long TypeSize() => ProtoSize.LengthDelimited(OnnxFields.Type.TensorType, TensorTypeSize());

    private long TensorTypeSize()
        => ProtoSize.Int32(OnnxFields.Type.TensorElemType, (int)ElementType) + ProtoSize.LengthDelimited(OnnxFields.Type.TensorShape, ShapeSize());

    private long ShapeSize()
    {
        long size = 0;
        foreach (TensorDim dim in Shape)
        {
            size += ProtoSize.LengthDelimited(OnnxFields.Shape.Dim, DimSize(dim));
        }

        return size;
    }

    private static long DimSize(TensorDim dim)
        => dim.IsSymbolic ? ProtoSize.String(OnnxFields.Shape.DimParam, dim.Symbol!) : ProtoSize.Int64(OnnxFields.Shape.DimValue, dim.Value);
}
