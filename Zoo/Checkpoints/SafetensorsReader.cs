using System.Buffers.Binary;
using System.Text.Json;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// Reads the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor
/// name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the byte after the header) plus an
/// optional "__metadata__" string map, then the tensor bytes, row-major and little-endian.
/// </summary>
/// <remarks>
/// Validated as the format's reference reader does: every range lies inside the data area, ranges do not overlap
/// and leave no holes, and each range's size is prod(shape) * itemsize.
/// </remarks>
internal static class SafetensorsReader
{
    /// <summary>The largest header accepted (the reference reader's limit too).</summary>
    public const long MaxHeaderBytes = 100L << 20;

    /// <summary>True when the file starts like a safetensors file: a header length below 2^32, then '{'.
    /// (A length past the end of the file is reported by <see cref="Read"/> as truncation.)</summary>
    public static bool LooksLikeSafetensors(ReadOnlySpan<byte> head)
    {
        if (head.Length < 9) return false;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return head[8] == (byte)'{' && n >= 2 && n <= uint.MaxValue;
    }

    public static CheckpointContent Read(MappedFile file, CheckpointReadOptions options)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file.Span(0, 8));
        if (n > MaxHeaderBytes) throw Fail(file, $"its header claims {n} bytes, more than the {MaxHeaderBytes}-byte limit");
        if ((long)n > file.Length - 8) throw Fail(file, $"its header claims {n} bytes but the file has only {file.Length - 8} after the length; the file is truncated");
        long dataStart = 8 + (long)n, dataLength = file.Length - dataStart;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(file.Span(8, (long)n).ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Fail(file, $"its header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Fail(file, "its header is not a JSON object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var parsed = new List<(string Name, CheckpointDType DType, long[] Shape, long Begin, long End)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw Fail(file, $"its header names '{p.Name}' twice");
                if (p.Name == "__metadata__")
                {
                    if (p.Value.ValueKind != JsonValueKind.Object) throw Fail(file, "its __metadata__ is not an object");
                    foreach (JsonProperty m in p.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                            : throw Fail(file, $"its __metadata__ value '{m.Name}' is not a string");
                    continue;
                }
                parsed.Add(ParseEntry(file, p));
            }

            // Ranges sorted by start must tile [0, dataLength) exactly: no overlap, no hole, nothing past the end.
            var byStart = parsed.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
            long expected = 0;
            foreach (var t in byStart)
            {
                if (t.Begin < expected)
                    throw Fail(file, $"tensor '{t.Name}' (bytes {t.Begin}-{t.End}) overlaps another tensor's bytes");
                if (t.Begin > expected)
                    throw Fail(file, $"bytes {expected}-{t.Begin} of its data belong to no tensor (before '{t.Name}')");
                if (t.End > dataLength)
                    throw Fail(file, $"tensor '{t.Name}' ends at byte {t.End} but the data area has only {dataLength} bytes; the file is truncated");
                expected = t.End;
            }
            if (expected != dataLength)
                throw Fail(file, $"its last {dataLength - expected} bytes belong to no tensor");

            var tensors = new List<CheckpointTensor>(parsed.Count);
            foreach (var t in parsed)
            {
                long[] strides = TensorLayout.ContiguousStrides(t.Shape);
                long count = t.Shape.Aggregate(1L, (a, b) => a * b);
                tensors.Add(new CheckpointTensor(CheckpointNames.Clean(t.Name, options), t.DType, t.Shape, strides, 0, count,
                    file, dataStart + t.Begin, t.Name));
            }
            return new CheckpointContent(CheckpointFileFormat.Safetensors, tensors, null, [], metadata);
        }
    }

    private static (string, CheckpointDType, long[], long, long) ParseEntry(MappedFile file, JsonProperty p)
    {
        JsonElement v = p.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out JsonElement dt) || dt.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out JsonElement sh) || sh.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out JsonElement off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Fail(file, $"tensor '{p.Name}' lacks a string dtype, a shape array or a two-number data_offsets");

        CheckpointDType dtype = dt.GetString() switch
        {
            "F32" => CheckpointDType.Float32,
            "F16" => CheckpointDType.Float16,
            "BF16" => CheckpointDType.BFloat16,
            "F64" => CheckpointDType.Float64,
            "I64" => CheckpointDType.Int64,
            "I32" => CheckpointDType.Int32,
            "I16" => CheckpointDType.Int16,
            "I8" => CheckpointDType.Int8,
            "U8" => CheckpointDType.UInt8,
            "BOOL" => CheckpointDType.Bool,
            var other => throw Fail(file, $"tensor '{p.Name}' has dtype '{other}', which this reader does not convert (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"),
        };
        var shape = new long[sh.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in sh.EnumerateArray())
            shape[i++] = d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long x) && x >= 0 ? x
                : throw Fail(file, $"tensor '{p.Name}' has a shape entry that is not a non-negative integer");
        long begin = Offset(off[0]), end = Offset(off[1]);
        if (begin > end) throw Fail(file, $"tensor '{p.Name}' has data_offsets [{begin}, {end}] that run backwards");

        long count = TensorLayout.Validate(shape, TensorLayout.ContiguousStrides(shape), 0, long.MaxValue, dtype.ItemSize(), out string? problem);
        if (problem is not null) throw Fail(file, $"tensor '{p.Name}' {problem}");
        long size = count * dtype.ItemSize();
        if (end - begin != size)
            throw Fail(file, $"tensor '{p.Name}' of shape [{string.Join(", ", shape)}] {dtype} needs {size} bytes but its data_offsets span {end - begin}");
        return (p.Name, dtype, shape, begin, end);

        long Offset(JsonElement e) => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long o) && o >= 0 ? o
            : throw Fail(file, $"tensor '{p.Name}' has a data offset that is not a non-negative integer");
    }

    private static CheckpointFormatException Fail(MappedFile file, string what) =>
        new(file.Path, $"safetensors file '{file.Name}' is invalid: {what}. Download or save it again.");
}
