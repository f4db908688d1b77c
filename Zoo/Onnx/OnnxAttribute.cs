namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// A node attribute (ONNX <c>AttributeProto</c>) of one of the kinds the model writer emits:
/// float, int, string, floats, ints or strings. Create with the static factories.
/// </summary>
public sealed class OnnxAttribute
{
    private readonly float _float;
    private readonly long _int;
    private readonly string? _string;
    private readonly float[]? _floats;
    private readonly long[]? _ints;
    private readonly string[]? _strings;

    private OnnxAttribute(string name, int type, float f = 0, long i = 0, string? s = null, float[]? floats = null, long[]? ints = null, string[]? strings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        AttributeType = type;
        _float = f;
        _int = i;
        _string = s;
        _floats = floats;
        _ints = ints;
        _strings = strings;
    }

    /// <summary>The attribute name, as the operator's specification spells it (for example "group").</summary>
    public string Name { get; }

    /// <summary>The onnx.proto <c>AttributeType</c> value (1 float, 2 int, 3 string, 6 floats, 7 ints, 8 strings).</summary>
    internal int AttributeType { get; }

    /// <summary>The value of an int attribute (0 for other kinds).</summary>
    internal long IntValue => AttributeType == OnnxFields.Attribute.TypeInt ? _int : 0;

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxFields.Attribute.TypeFloat, f: value);

    /// <summary>An integer attribute (booleans are written as 0 or 1).</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxFields.Attribute.TypeInt, i: value);

    /// <summary>A UTF-8 string attribute.</summary>
    public static OnnxAttribute String(string name, string value)
        => new(name, OnnxFields.Attribute.TypeString, s: value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>A list-of-floats attribute; the values are copied.</summary>
    public static OnnxAttribute Floats(string name, ReadOnlySpan<float> values) => new(name, OnnxFields.Attribute.TypeFloats, floats: values.ToArray());

    /// <summary>A list-of-integers attribute; the values are copied.</summary>
    public static OnnxAttribute Ints(string name, ReadOnlySpan<long> values) => new(name, OnnxFields.Attribute.TypeInts, ints: values.ToArray());

    /// <summary>A list-of-integers attribute from 32-bit values; the values are copied.</summary>
    public static OnnxAttribute Ints(string name, ReadOnlySpan<int> values)
    {
        var wide = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = values[i];
        }

        return new(name, OnnxFields.Attribute.TypeInts, ints: wide);
    }

    /// <summary>A list-of-strings attribute; the array is copied.</summary>
    public static OnnxAttribute Strings(string name, ReadOnlySpan<string> values) => new(name, OnnxFields.Attribute.TypeStrings, strings: values.ToArray());

    /// <inheritdoc/>
    public override string ToString() => AttributeType switch
    {
        OnnxFields.Attribute.TypeFloat => $"{Name}={_float}",
        OnnxFields.Attribute.TypeInt => $"{Name}={_int}",
        OnnxFields.Attribute.TypeString => $"{Name}=\"{_string}\"",
        OnnxFields.Attribute.TypeFloats => $"{Name}=[{string.Join(", ", _floats!)}]",
        OnnxFields.Attribute.TypeInts => $"{Name}=[{string.Join(", ", _ints!)}]",
        _ => $"{Name}=[{string.Join(", ", _strings!)}]",
    };

    /// <summary>Encoded size of the AttributeProto body.</summary>
    internal long BodySize()
    {
        long size = ProtoSize.String(OnnxFields.Attribute.Name, Name) + ProtoSize.Int32(OnnxFields.Attribute.Type, AttributeType);
        switch (AttributeType)
        {
            case OnnxFields.Attribute.TypeFloat:
                size += ProtoSize.Float(OnnxFields.Attribute.F);
                break;
            case OnnxFields.Attribute.TypeInt:
                size += ProtoSize.Int64(OnnxFields.Attribute.I, _int);
                break;
            case OnnxFields.Attribute.TypeString:
                size += ProtoSize.String(OnnxFields.Attribute.S, _string!);
                break;
            case OnnxFields.Attribute.TypeFloats:
                size += _floats!.Length * ProtoSize.Float(OnnxFields.Attribute.Floats);
                break;
            case OnnxFields.Attribute.TypeInts:
                foreach (long v in _ints!)
                {
                    size += ProtoSize.Int64(OnnxFields.Attribute.Ints, v);
                }

                break;
            default:
                foreach (string v in _strings!)
                {
                    size += ProtoSize.String(OnnxFields.Attribute.Strings, v);
                }

                break;
        }

        return size;
    }

    /// <summary>Writes the AttributeProto body (without its own tag and length).</summary>
    internal void WriteBody(ProtoOutput output)
    {
        output.String(OnnxFields.Attribute.Name, Name);
        output.Int32(OnnxFields.Attribute.Type, AttributeType);
        switch (AttributeType)
        {
            case OnnxFields.Attribute.TypeFloat:
                output.Float(OnnxFields.Attribute.F, _float);
                break;
            case OnnxFields.Attribute.TypeInt:
                output.Int64(OnnxFields.Attribute.I, _int);
                break;
            case OnnxFields.Attribute.TypeString:
                output.String(OnnxFields.Attribute.S, _string!);
                break;
            case OnnxFields.Attribute.TypeFloats:
                foreach (float v in _floats!)
                {
                    output.Float(OnnxFields.Attribute.Floats, v);
                }

                break;
            case OnnxFields.Attribute.TypeInts:
                foreach (long v in _ints!)
                {
                    output.Int64(OnnxFields.Attribute.Ints, v);
                }

                break;
            default:
                foreach (string v in _strings!)
                {
                    output.String(OnnxFields.Attribute.Strings, v);
                }

                break;
        }
    }
}
