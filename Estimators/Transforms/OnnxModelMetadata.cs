using System.Text;

namespace MLNetAttn.Estimators;

/// <summary>
/// Reads the custom metadata (<c>metadata_props</c>, field 14 of <c>ModelProto</c>: repeated
/// <c>StringStringEntryProto</c> with key = 1 and value = 2) of a serialized ONNX model by walking its top-level
/// protobuf fields; everything else (the graph, the weights) is skipped without being parsed.
/// </summary>
internal static class OnnxModelMetadata
{
    private const int MetadataProps = 14;

    /// <summary>The metadata of a model in memory.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    public static IReadOnlyDictionary<string, string> Read(ReadOnlySpan<byte> model)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        while (position < model.Length)
        {
            var (field, wire) = Tag(model, ref position);
            if (field == MetadataProps && wire == 2)
            {
                var entry = Slice(model, ref position);
                string? key = null, value = null;
                var p = 0;
                while (p < entry.Length)
                {
                    var (f, w) = Tag(entry, ref p);
                    if (w == 2 && f is 1 or 2)
                    {
                        var text = Encoding.UTF8.GetString(Slice(entry, ref p));
                        if (f == 1) key = text; else value = text;
                    }
                    else
                    {
                        Skip(entry, ref p, w);
                    }
                }
                if (key is not null)
                    result[key] = value ?? "";
            }
            else
            {
                Skip(model, ref position, wire);
            }
        }
        return result;
    }

    private static (int Field, int Wire) Tag(ReadOnlySpan<byte> data, ref int position)
    {
        var tag = Varint(data, ref position);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
                throw Malformed("a varint runs past the end");
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw Malformed("a varint is longer than 10 bytes");
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> data, ref int position)
    {
        var length = Varint(data, ref position);
        if (length > (ulong)(data.Length - position))
            throw Malformed("a field is longer than the data left");
        var slice = data.Slice(position, (int)length);
        position += (int)length;
        return slice;
    }

    private static void Skip(ReadOnlySpan<byte> data, ref int position, int wire)
    {
        switch (wire)
        {
            case 0: Varint(data, ref position); break;
            case 1: position += 8; break;
            case 2: Slice(data, ref position); break;
            case 5: position += 4; break;
            default: throw Malformed($"wire type {wire} is not used by ONNX");
        }
        if (position > data.Length)
            throw Malformed("a fixed-size field runs past the end");
    }

    private static InvalidDataException Malformed(string what)
        => new($"The ONNX model is not a well-formed protobuf message ({what}); check that the file is a complete .onnx model.");
}
