using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace MLNetAttn.Zoo.Checkpoints;

/// <summary>
/// One named tensor of a <see cref="Checkpoint"/>: its element type, shape and strides, and a view of its bytes
/// inside the memory-mapped file. Nothing is copied until a <c>To…</c> or <c>CopyTo…</c> method is called.
/// </summary>
/// <remarks>
/// Spans returned by <see cref="GetContiguousBytes"/> and <see cref="AsFloat32Span"/> point into the mapped file and
/// are valid only while the owning <see cref="Checkpoint"/> is not disposed. Two tensors may view the same storage
/// (<see cref="StorageKey"/> tells), as torch saves views of one buffer once.
/// </remarks>
public sealed unsafe class CheckpointTensor
{
    private readonly MappedFile _file;
    private readonly long _storageFileOffset;
    private readonly long[] _shape;
    private readonly long[] _strides;

    internal CheckpointTensor(string name, CheckpointDType dtype, long[] shape, long[] strides, long storageOffset,
        long elementCount, MappedFile file, long storageFileOffset, string storageKey)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        _strides = strides;
        StorageOffset = storageOffset;
        ElementCount = elementCount;
        _file = file;
        _storageFileOffset = storageFileOffset;
        StorageKey = storageKey;
        IsContiguous = TensorLayout.IsContiguous(shape, strides);
    }

    /// <summary>The tensor's name in the state dict (after stripping a <c>module.</c> prefix).</summary>
    public string Name { get; }

    /// <summary>The element type as stored in the file.</summary>
    public CheckpointDType DType { get; }

    /// <summary>The shape, outermost dimension first; empty for a scalar.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The strides in elements, one per dimension.</summary>
    public ReadOnlySpan<long> Strides => _strides;

    /// <summary>The shape as <see cref="int"/>s (as ONNX initializers and most .NET tensor APIs take it).</summary>
    /// <exception cref="OverflowException">A dimension exceeds <see cref="int.MaxValue"/>.</exception>
    public int[] ShapeAsInt32() => Array.ConvertAll(_shape, d => checked((int)d));

    /// <summary>The first element's index within its storage.</summary>
    public long StorageOffset { get; }

    /// <summary>The number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>True when the elements lie row-major and back to back in the file.</summary>
    public bool IsContiguous { get; }

    /// <summary>Identifies the storage this tensor views; tensors sharing a storage have the same key.</summary>
    public string StorageKey { get; }

    /// <summary>The bytes of a contiguous tensor, in place in the mapped file (no copy).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not contiguous; use <see cref="ToFloat32"/>.</exception>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed.</exception>
    public ReadOnlySpan<byte> GetContiguousBytes()
    {
        if (!IsContiguous)
            throw new InvalidOperationException($"tensor '{Name}' is a strided view (strides [{string.Join(", ", _strides)}]); call ToFloat32() or CopyToFloat32() for a contiguous copy.");
        long bytes = ElementCount * DType.ItemSize();
        if (bytes > int.MaxValue)
            throw new InvalidOperationException($"tensor '{Name}' has {bytes} bytes, more than one span can view; use CopyToFloat32().");
        return new ReadOnlySpan<byte>(ElementPointer(StorageOffset), (int)bytes);
    }

    /// <summary>The elements of a contiguous float32 tensor, in place in the mapped file (no copy).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32 or not contiguous; use <see cref="ToFloat32"/>.</exception>
    public ReadOnlySpan<float> AsFloat32Span()
    {
        if (DType != CheckpointDType.Float32)
            throw new InvalidOperationException($"tensor '{Name}' holds {DType}, not Float32; call ToFloat32() to convert it.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("checkpoint data is little-endian; a big-endian machine must use ToFloat32().");
        return MemoryMarshal.Cast<byte, float>(GetContiguousBytes());
    }

    /// <summary>Gets the in-place float32 view when the tensor is contiguous float32.</summary>
    /// <param name="span">The elements, valid while the checkpoint is open; empty when this returns false.</param>
    /// <returns>True when no conversion or copy is needed.</returns>
    public bool TryGetFloat32Span(out ReadOnlySpan<float> span)
    {
        span = default;
        if (DType != CheckpointDType.Float32 || !IsContiguous || !BitConverter.IsLittleEndian
            || ElementCount * sizeof(float) > int.MaxValue) return false;
        span = AsFloat32Span();
        return true;
    }

    /// <summary>A new row-major float32 array of the elements, converted exactly from float16/bfloat16/integers
    /// (float64 and integers above 2^24 round to nearest).</summary>
    public float[] ToFloat32()
    {
        if (ElementCount > Array.MaxLength)
            throw new InvalidOperationException($"tensor '{Name}' has {ElementCount} elements, more than one array can hold.");
        var result = new float[ElementCount];
        CopyToFloat32(result);
        return result;
    }

    /// <summary>Writes the elements row-major into <paramref name="destination"/>, converting to float32.</summary>
    /// <param name="destination">At least <see cref="ElementCount"/> floats.</param>
    public void CopyToFloat32(Span<float> destination)
    {
        if (destination.Length < ElementCount)
            throw new ArgumentException($"tensor '{Name}' has {ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        if (ElementCount == 0) return;
        if (_shape.Length == 0) { ConvertRun(StorageOffset, 1, destination[..1]); return; }

        // Walk every index except the innermost with an odometer; each innermost row is one strided run.
        int rank = _shape.Length;
        int row = checked((int)_shape[rank - 1]);
        long innerStride = _strides[rank - 1];
        Span<long> index = stackalloc long[rank];
        int written = 0;
        while (true)
        {
            long start = StorageOffset;
            for (int d = 0; d < rank - 1; d++) start += index[d] * _strides[d];
            ConvertRun(start, innerStride, destination.Slice(written, row));
            written += row;
            int dim = rank - 2;
            while (dim >= 0 && ++index[dim] == _shape[dim]) { index[dim] = 0; dim--; }
            if (dim < 0) return;
        }
    }

    /// <summary>A new row-major array of an integer or bool tensor's elements.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds floating-point values.</exception>
    public long[] ToInt64()
    {
        if (DType.IsFloatingPoint())
            throw new InvalidOperationException($"tensor '{Name}' holds {DType}; call ToFloat32() for floating-point values.");
        var result = new long[checked((int)ElementCount)];
        if (result.Length == 0) return result;
        if (_shape.Length == 0) { result[0] = ReadInteger(StorageOffset); return result; }
        long[] strides = _strides;
        Span<long> index = stackalloc long[_shape.Length];
        for (int i = 0; i < result.Length; i++)
        {
            long at = StorageOffset;
            for (int d = 0; d < index.Length; d++) at += index[d] * strides[d];
            result[i] = ReadInteger(at);
            for (int d = index.Length - 1; d >= 0 && ++index[d] == _shape[d]; d--) index[d] = 0;
        }
        return result;
    }

    private byte* ElementPointer(long element) => _file.Pointer + _storageFileOffset + element * DType.ItemSize();

    private long ReadInteger(long element)
    {
        byte* p = ElementPointer(element);
        return DType switch
        {
            CheckpointDType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(p, 8)),
            CheckpointDType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(p, 4)),
            CheckpointDType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(new ReadOnlySpan<byte>(p, 2)),
            CheckpointDType.Int8 => (sbyte)*p,
            CheckpointDType.UInt8 => *p,
            CheckpointDType.Bool => *p != 0 ? 1 : 0,
            _ => throw new InvalidOperationException($"tensor '{Name}' is not an integer tensor"),
        };
    }

    /// <summary>Converts <paramref name="destination"/>.Length elements starting at storage element
    /// <paramref name="start"/>, <paramref name="stride"/> apart.</summary>
    private void ConvertRun(long start, long stride, Span<float> destination)
    {
        byte* p = ElementPointer(start);
        int n = destination.Length;
        bool le = BitConverter.IsLittleEndian;
        switch (DType)
        {
            case CheckpointDType.Float32 when stride == 1 && le:
                new ReadOnlySpan<float>(p, n).CopyTo(destination);
                break;
            case CheckpointDType.Float32:
                for (int i = 0; i < n; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(new ReadOnlySpan<byte>(p + i * stride * 4, 4));
                break;
            case CheckpointDType.Float16 when stride == 1 && le:
                // Vectorized widening; exact, like the scalar loop below.
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(p, n), destination);
                break;
            case CheckpointDType.Float16:
                for (int i = 0; i < n; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(new ReadOnlySpan<byte>(p + i * stride * 2, 2));
                break;
            case CheckpointDType.BFloat16:
                // bfloat16 is the high half of a float32: widening is exact (NaN payloads included).
                for (int i = 0; i < n; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(p + i * stride * 2, 2)) << 16);
                break;
            case CheckpointDType.Float64:
                for (int i = 0; i < n; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(new ReadOnlySpan<byte>(p + i * stride * 8, 8));
                break;
            default:
                for (int i = 0; i < n; i++) destination[i] = ReadInteger(start + i * stride);
                break;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType}[{string.Join(", ", _shape)}]";
}
