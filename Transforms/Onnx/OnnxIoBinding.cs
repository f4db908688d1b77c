using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Inputs and outputs bound to a session once and run many times (<c>OrtIoBinding</c>): the usual way to
/// score batch after batch into the same buffers. Not thread-safe; use one binding per thread.
/// </summary>
/// <remarks>
/// Bound tensors are borrowed: their memory stays pinned while bound (until <see cref="Clear"/>, a rebinding
/// of the same name, or <see cref="Dispose"/>). Rewrite the input buffers between runs and read the output
/// buffers after each <see cref="Run"/>.
/// </remarks>
public sealed class OnnxIoBinding : IDisposable
{
    private readonly OnnxSession _session;
    private readonly OrtIoBindingHandle _binding;
    // A reference on each bound tensor's value: the runtime's binding keeps its own copy of the value, which
    // points at the caller's memory, so that memory stays pinned until the tensor is unbound, even if the
    // caller disposes the tensor first.
    private readonly Dictionary<string, OrtHandle.Lease> _boundInputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtHandle.Lease> _boundOutputs = new(StringComparer.Ordinal);
    private readonly string _bindingDoing;
    // Holds the native session open while the binding exists: a disposed session is released only after its
    // bindings, never under them.
    private readonly OrtHandle.Lease _sessionLease;
    private int _disposed;

    internal OnnxIoBinding(OnnxSession session)
    {
        _session = session;
        _bindingDoing = $"binding tensors to model '{session.ModelName}'";
        _sessionLease = session.Handle.Acquire();
        try
        {
            _binding = new OrtIoBindingHandle(OrtApi.CreateIoBinding(_sessionLease.Pointer, $"creating an I/O binding for model '{session.ModelName}'"));
        }
        catch
        {
            _sessionLease.Dispose();
            throw;
        }
    }

    /// <summary>Binds <paramref name="tensor"/> to the model input <paramref name="name"/> (replacing an earlier binding).</summary>
    /// <param name="name">The model input.</param>
    /// <param name="tensor">A tensor over caller memory; checked against the model's declaration.</param>
    /// <exception cref="ArgumentException">Unknown input, or wrong element type, rank or size.</exception>
    public void BindInput(string name, OnnxTensor tensor) => Bind(name, tensor, input: true);

    /// <summary>Binds caller memory to receive the model output <paramref name="name"/>.</summary>
    /// <param name="name">The model output.</param>
    /// <param name="tensor">A tensor over caller memory of exactly the shape the model produces.</param>
    /// <exception cref="ArgumentException">Unknown output, or wrong element type, rank or size.</exception>
    public void BindOutput(string name, OnnxTensor tensor) => Bind(name, tensor, input: false);

    /// <summary>Runs the session with the bound inputs, writing the bound outputs.</summary>
    /// <exception cref="OnnxRuntimeException">The runtime failed, for example because an input is not bound.</exception>
    public void Run()
    {
        using var s = _session.Handle.Acquire();
        using var b = _binding.Acquire();
        OrtApi.RunWithBinding(s.Pointer, b.Pointer, $"running model '{_session.ModelName}' with an I/O binding");
    }

    /// <summary>Forgets every bound input and output.</summary>
    public void Clear()
    {
        using var b = _binding.Acquire();
        OrtApi.ClearBound(b.Pointer, inputs: true);
        OrtApi.ClearBound(b.Pointer, inputs: false);
        ReleaseBound();
    }

    /// <summary>Releases the native binding (not the bound tensors). Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _binding.Dispose();
        ReleaseBound();
        _sessionLease.Dispose();
    }

    private void ReleaseBound()
    {
        foreach (var lease in _boundInputs.Values.Concat(_boundOutputs.Values))
            lease.Dispose();
        _boundInputs.Clear();
        _boundOutputs.Clear();
    }

    private void Bind(string name, OnnxTensor tensor, bool input)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensor);
        int index;
        if (input)
        {
            index = _session.InputIndex(name);
            _session.CheckTensor(_session.Inputs[index], tensor, "input");
        }
        else
        {
            index = _session.OutputIndex(name);
            _session.CheckTensor(_session.Outputs[index], tensor, "output");
        }

        using var b = _binding.Acquire();
        var value = tensor.Handle.Acquire();
        try
        {
            var namePointer = input ? _session.InputNamePointer(index) : _session.OutputNamePointer(index);
            OrtApi.Bind(b.Pointer, input, namePointer, value.Pointer, _bindingDoing);
        }
        catch
        {
            value.Dispose();
            throw;
        }
        var bound = input ? _boundInputs : _boundOutputs;
        if (bound.Remove(name, out var replaced))
            replaced.Dispose();
        bound[name] = value;
    }
}
