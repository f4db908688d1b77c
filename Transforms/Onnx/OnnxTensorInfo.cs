namespace MLNetAttn.Transforms.Onnx;

/// <summary>What a model declares for one of its inputs or outputs: name, element type and shape.</summary>
public sealed class OnnxTensorInfo
{
    private readonly long[] _dimensions;
    private readonly string?[] _symbolic;

    internal OnnxTensorInfo(string name, int index, OnnxElementType elementType, long[] dimensions, string?[] symbolicDimensions)
    {
        Name = name;
        Index = index;
        ElementType = elementType;
        _dimensions = dimensions;
        _symbolic = symbolicDimensions;
    }

    /// <summary>The input or output name, as written in the model.</summary>
    public string Name { get; }

    /// <summary>Position among the model's inputs (or outputs).</summary>
    public int Index { get; }

    /// <summary>Element type; <see cref="OnnxElementType.Undefined"/> for inputs that are not tensors (sequences, maps).</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>Dimension sizes; -1 where the model fixes none (a symbolic or unnamed dimension).</summary>
    public IReadOnlyList<long> Dimensions => _dimensions;

    /// <summary>Per dimension, its symbolic name (e.g. "N" or "batch"), or null when it is fixed or unnamed.</summary>
    public IReadOnlyList<string?> SymbolicDimensions => _symbolic;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dimensions.Length;

    /// <summary>For messages: <c>'input' Float [N, 3, 224, 224]</c> (symbolic dimensions by name, unnamed ones as "?").</summary>
    public override string ToString() => $"'{Name}' {ElementType} {OnnxElementTypes.Format(_dimensions, _symbolic)}";
}
