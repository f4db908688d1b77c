using Microsoft.ML.OnnxRuntime;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// Inputs and outputs bound to a session once and run many times (ONNX Runtime's <see cref="OrtIoBinding"/>): the
/// usual way to score batch after batch into the same buffers. Not thread-safe; use one binding per thread.
/// </summary>
/// <remarks>
/// Bound tensors are borrowed: their memory stays pinned while bound (until <see cref="Clear"/>, a rebinding
/// of the same name, or <see cref="Dispose"/>). Rewrite the input buffers between runs and read the output
/// buffers after each <see cref="Run"/>.
/// </remarks>
public sealed class OnnxIoBinding : IDisposable
{
    private readonly OnnxSession _session;
    private readonly OrtIoBinding _binding;
    // A reference on each bound tensor's value: the runtime's binding keeps its own copy of the value, which
    // points at the caller's memory, so that memory stays pinned until the tensor is unbound, even if the
    // caller disposes the tensor first.
    private readonly Dictionary<string, OnnxShared<OrtValue>> _boundInputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxShared<OrtValue>> _boundOutputs = new(StringComparer.Ordinal);
    private readonly string _bindingDoing;
    private readonly string _running;
    // Holds the native session open while the binding exists: a disposed session is released only after its
    // bindings, never under them.
    private readonly OnnxShared<InferenceSession> _sessionLease;
    private int _disposed;

    internal OnnxIoBinding(OnnxSession session)
    {
        _session = session;
        _bindingDoing = $"binding tensors to model '{session.ModelName}'";
        _running = $"running model '{session.ModelName}' with an I/O binding";
        _sessionLease = session.Acquire();
        try
        {
            _binding = _sessionLease.Value.CreateIoBinding();
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            _sessionLease.Release();
            throw OnnxErrors.From(e, $"creating an I/O binding for model '{session.ModelName}'");
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
    /// <exception cref="ObjectDisposedException">The binding or its session was disposed.</exception>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ObjectDisposedException.ThrowIf(_session.IsDisposed, _session);
        try
        {
            _sessionLease.Value.RunWithBinding(_session.RunOptions, _binding);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw OnnxErrors.From(e, _running);
        }
    }

    /// <summary>Forgets every bound input and output.</summary>
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        ReleaseBound();
    }

    /// <summary>Releases the native binding (not the bound tensors). Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _binding.Dispose();
        ReleaseBound();
        _sessionLease.Release();
    }

    private void ReleaseBound()
    {
        foreach (var value in _boundInputs.Values.Concat(_boundOutputs.Values))
            value.Release();
        _boundInputs.Clear();
        _boundOutputs.Clear();
    }

    private void Bind(string name, OnnxTensor tensor, bool input)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var info = input ? _session.GetInput(name) : _session.GetOutput(name);
        _session.CheckTensor(info, tensor, input ? "input" : "output");

        var value = tensor.Acquire();
        try
        {
            if (input)
                _binding.BindInput(name, value.Value);
            else
                _binding.BindOutput(name, value.Value);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            value.Release();
            throw OnnxErrors.From(e, _bindingDoing);
        }
        catch
        {
            value.Release();
            throw;
        }
        var bound = input ? _boundInputs : _boundOutputs;
        if (bound.Remove(name, out var replaced))
            replaced.Release();
        bound[name] = value;
    }
}
