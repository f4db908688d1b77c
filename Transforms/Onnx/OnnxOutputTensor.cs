using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// An output tensor that ONNX Runtime allocated. Its data is read in place through <see cref="GetSpan{T}"/>;
/// spans are valid only until this object (or the <see cref="OnnxRunResults"/> holding it) is disposed.
/// </summary>
public sealed unsafe class OnnxOutputTensor : IDisposable
{
    private readonly OrtValue _value;
    private readonly long[] _shape;
    private readonly IntPtr _data;
    private int _disposed;

    internal OnnxOutputTensor(string name, OrtValue value)
    {
        Name = name;
        _value = value;
        if (!value.IsTensor)
        {
            ElementType = OnnxElementType.Undefined;
            _shape = [];
            return;
        }
        var info = value.GetTensorTypeAndShape();
        ElementType = (OnnxElementType)(int)info.ElementDataType;
        _shape = info.Shape;
        Length = checked((int)OnnxElementTypes.ElementCount(_shape, $"output '{name}'"));
        if (Length > 0 && ElementType != OnnxElementType.String)
            _data = (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(value.GetTensorMutableRawData()));
    }

    /// <summary>The output name.</summary>
    public string Name { get; }

    /// <summary>The element type; <see cref="OnnxElementType.Undefined"/> when the output is not a tensor.</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>The actual shape of this result.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>
    /// The data in place, as <typeparamref name="T"/>; valid until disposal. Writable, so a caller may
    /// post-process in place without a copy.
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="ElementType"/>.</exception>
    /// <exception cref="ObjectDisposedException">The tensor was disposed.</exception>
    public Span<T> GetSpan<T>() where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!OnnxElementTypes.Matches<T>(ElementType))
            throw new InvalidOperationException(
                $"Output '{Name}' holds {ElementType} elements; read it as the matching type, not {typeof(T).Name}.");
        return Length == 0 ? Span<T>.Empty : new Span<T>((void*)_data, Length);
    }

    /// <summary>Copies the data into a new array.</summary>
    public T[] ToArray<T>() where T : unmanaged => GetSpan<T>().ToArray();

    /// <summary>Releases the runtime's value. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _value.Dispose();
    }
}

/// <summary>The outputs of one run, in the order requested; disposing releases them all.</summary>
public sealed class OnnxRunResults : IDisposable, IReadOnlyList<OnnxOutputTensor>
{
    private readonly OnnxOutputTensor[] _outputs;

    internal OnnxRunResults(OnnxOutputTensor[] outputs) => _outputs = outputs;

    /// <summary>The output at <paramref name="index"/> (in request order).</summary>
    public OnnxOutputTensor this[int index] => _outputs[index];

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No output of that name was produced.</exception>
    public OnnxOutputTensor this[string name]
    {
        get
        {
            foreach (var o in _outputs)
                if (o.Name == name)
                    return o;
            throw new KeyNotFoundException($"This run produced no output '{name}'; it produced: {string.Join(", ", _outputs.Select(o => $"'{o.Name}'"))}.");
        }
    }

    /// <summary>The number of outputs.</summary>
    public int Count => _outputs.Length;

    /// <inheritdoc />
    public IEnumerator<OnnxOutputTensor> GetEnumerator() => ((IEnumerable<OnnxOutputTensor>)_outputs).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Releases every output. Safe to call more than once.</summary>
    public void Dispose()
    {
        foreach (var o in _outputs)
            o.Dispose();
    }
}
