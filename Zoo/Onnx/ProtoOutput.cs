using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace MLNetAttn.Zoo.Onnx;

/// <summary>
/// Protobuf wire writing for the ONNX messages: field helpers over <see cref="CodedOutputStream"/> for the
/// small fields, and a direct path to the underlying stream for tensor payloads so that a large initializer
/// is written from the caller's array in chunks, never copied into one big buffer.
/// </summary>
internal sealed class ProtoOutput : IDisposable
{
    // Payload chunks are converted (on big-endian hosts) or copied through a pooled buffer of this size.
    private const int ChunkBytes = 1 << 16;

    private readonly Stream _stream;
    private readonly CodedOutputStream _coded;

    public ProtoOutput(Stream stream)
    {
        _stream = stream;
        _coded = new CodedOutputStream(stream, leaveOpen: true);
    }

    public void String(int field, string value)
    {
        _coded.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _coded.WriteString(value);
    }

    public void Int64(int field, long value)
    {
        _coded.WriteTag(field, WireFormat.WireType.Varint);
        _coded.WriteInt64(value);
    }

    public void Int32(int field, int value)
    {
        _coded.WriteTag(field, WireFormat.WireType.Varint);
        _coded.WriteInt32(value);
    }

    public void Float(int field, float value)
    {
        _coded.WriteTag(field, WireFormat.WireType.Fixed32);
        _coded.WriteFloat(value);
    }

    /// <summary>Starts a length-delimited field (a sub-message or bytes) whose body of <paramref name="length"/> bytes follows.</summary>
    public void BeginLengthDelimited(int field, long length)
    {
        _coded.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _coded.WriteUInt64((ulong)length);
    }

    /// <summary>Writes little-endian element bytes straight to the stream (ONNX raw_data is little-endian on every host).</summary>
    public void LittleEndian<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        _coded.Flush();
        if (BitConverter.IsLittleEndian)
        {
            _stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        WriteSwapped(values);
    }

    public void Flush()
    {
        _coded.Flush();
        _stream.Flush();
    }

    public void Dispose() => _coded.Dispose();

    // Big-endian hosts: reverse each element's bytes through a pooled chunk.
    private void WriteSwapped<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            ReadOnlySpan<byte> source = MemoryMarshal.AsBytes(values);
            int perChunk = ChunkBytes / size * size;
            for (int start = 0; start < source.Length; start += perChunk)
            {
                ReadOnlySpan<byte> part = source.Slice(start, Math.Min(perChunk, source.Length - start));
                part.CopyTo(chunk);
                for (int i = 0; i < part.Length; i += size)
                {
                    chunk.AsSpan(i, size).Reverse();
                }

                _stream.Write(chunk, 0, part.Length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}

/// <summary>Encoded sizes of the same fields <see cref="ProtoOutput"/> writes, computed in 64 bits so oversize models are caught before writing.</summary>
internal static class ProtoSize
{
    public static long Tag(int field) => CodedOutputStream.ComputeTagSize(field);

    public static long String(int field, string value) => Tag(field) + CodedOutputStream.ComputeStringSize(value);

    public static long Int64(int field, long value) => Tag(field) + CodedOutputStream.ComputeInt64Size(value);

    public static long Int32(int field, int value) => Tag(field) + CodedOutputStream.ComputeInt32Size(value);

    public static long Float(int field) => Tag(field) + 4;

    public static long LengthDelimited(int field, long length)
        => Tag(field) + CodedOutputStream.ComputeRawVarint64Size((ulong)length) + length;

    /// <summary>Returns <paramref name="size"/>, or throws when it exceeds protobuf's 2 GiB limit for one message.</summary>
    public static long Checked(long size, string what)
        => size <= int.MaxValue
            ? size
            : throw new InvalidOperationException(
                $"{what} would take {size:N0} bytes, over protobuf's 2 GiB message limit. Store weights as float16 or split the model.");
}
