using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// A tensor over caller-owned memory, handed to ONNX Runtime without a copy: as an input, or as an output
/// buffer the runtime writes into. The memory is pinned from creation until <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// <code>using var input = OnnxTensor.FromMemory&lt;float&gt;(pixels, [1, 3, 224, 224]);</code>
/// Borrowed, not copied: the caller keeps ownership of the buffer, must keep it alive and unchanged while a
/// run that uses it is in progress, and may read results written into it once the run returns.
/// Supported element types: float, Half, long, byte, bool, int, double, sbyte, short, ushort, uint, ulong.
/// </remarks>
public sealed class OnnxTensor : IDisposable
{
    private readonly long[] _shape;
    private readonly OnnxShared<OrtValue> _value;
    private int _disposed;

    private OnnxTensor(OnnxShared<OrtValue> value, OnnxElementType elementType, long[] shape, int length)
    {
        _value = value;
        ElementType = elementType;
        _shape = shape;
        Length = length;
    }

    /// <summary>The element type.</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>The shape the runtime sees.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public int Length { get; }

    internal long[] ShapeArray => _shape;

    /// <summary>The runtime's value with a reference held for the caller, who must <see cref="OnnxShared{T}.Release"/> it.</summary>
    internal OnnxShared<OrtValue> Acquire()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _value.Acquire();
    }

    /// <summary>
    /// Wraps <paramref name="data"/> as a tensor of <paramref name="shape"/>, pinning it until disposal.
    /// </summary>
    /// <typeparam name="T">The element type; see the remarks for those supported.</typeparam>
    /// <param name="data">The elements in row-major order; exactly as many as <paramref name="shape"/> holds.</param>
    /// <param name="shape">The dimensions, each 0 or more.</param>
    /// <exception cref="ArgumentException">The shape does not hold <c>data.Length</c> elements, a dimension is negative, or <typeparamref name="T"/> has no ONNX type.</exception>
    /// <exception cref="OnnxRuntimeException">The runtime refused the tensor.</exception>
    public static unsafe OnnxTensor FromMemory<T>(Memory<T> data, ReadOnlySpan<long> shape) where T : unmanaged
    {
        var type = OnnxElementTypes.Of<T>();
        if (type == OnnxElementType.Undefined)
            throw new ArgumentException($"{typeof(T).Name} has no ONNX tensor element type; use float, Half, long, byte, bool, int, double, sbyte, short, ushort, uint or ulong.", nameof(data));
        var count = OnnxElementTypes.ElementCount(shape, "the tensor");
        if (count != data.Length)
            throw new ArgumentException(
                $"The shape {OnnxElementTypes.Format(shape)} holds {count} elements but the buffer has {data.Length}; make them agree.", nameof(shape));

        _ = OnnxEnvironment.Instance;
        var shapeCopy = shape.ToArray();
        // Our own pin and CreateTensorValueWithData rather than CreateTensorValueFromMemory<T>: the latter knows
        // ORT's own Float16 struct but refuses System.Half, and one path for every type keeps one ownership rule.
        var pin = data.Pin();
        try
        {
            var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (TensorElementType)(int)type, shapeCopy,
                (IntPtr)pin.Pointer, (long)data.Length * Unsafe.SizeOf<T>());
            return new OnnxTensor(new OnnxShared<OrtValue>(value, pin.Dispose), type, shapeCopy, data.Length);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            pin.Dispose();
            throw OnnxErrors.From(e, $"creating a {type} tensor of shape {OnnxElementTypes.Format(shape)}");
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>Wraps an array as a tensor of <paramref name="shape"/>; see <see cref="FromMemory{T}"/>.</summary>
    /// <param name="data">The elements in row-major order.</param>
    /// <param name="shape">The dimensions.</param>
    public static OnnxTensor FromArray<T>(T[] data, params ReadOnlySpan<long> shape) where T : unmanaged
        => FromMemory(data.AsMemory(), shape);

    /// <summary>
    /// Releases the runtime's value, then unpins the memory (deferred until a run or binding still using it lets go).
    /// Safe to call more than once.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _value.Release();
    }
}
