using Microsoft.ML.OnnxRuntime;

namespace MLNetAttn.Transforms.Onnx;

// Running: inputs over caller memory, outputs either allocated by the runtime or supplied by the caller.
public sealed partial class OnnxSession
{
    /// <summary>
    /// Runs the model; the runtime allocates the outputs, which are returned owned by the caller.
    /// </summary>
    /// <param name="inputs">Every model input by name, each a tensor over caller memory (not copied).</param>
    /// <param name="outputNames">Which outputs to compute, in the order wanted; null = all, in model order.</param>
    /// <returns>The outputs; dispose them when done (their spans point into runtime memory).</returns>
    /// <exception cref="ArgumentException">An input is missing, unknown, or of the wrong element type, rank or size.</exception>
    /// <exception cref="OnnxRuntimeException">The runtime failed.</exception>
    /// <exception cref="ObjectDisposedException">The session or a tensor was disposed.</exception>
    public OnnxRunResults Run(IReadOnlyDictionary<string, OnnxTensor> inputs, IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var (inNames, inTensors) = ResolveInputs(inputs);
        string[] outNames;
        if (outputNames is null)
            outNames = _outputs.Select(o => o.Name).ToArray();
        else
        {
            outNames = new string[outputNames.Count];
            for (var i = 0; i < outNames.Length; i++)
                outNames[i] = _outputs[OutputIndex(outputNames[i])].Name;
        }

        IDisposableReadOnlyCollection<OrtValue>? produced = null;
        WithValues(inTensors, null, (session, inValues, _) => produced = session.Run(_runOptions, inNames, inValues, outNames));
        return Wrap(outNames, produced!);
    }

    /// <summary>Runs a model that has one input; see <see cref="Run(IReadOnlyDictionary{string, OnnxTensor}, IReadOnlyList{string}?)"/>.</summary>
    /// <param name="inputName">The input's name.</param>
    /// <param name="input">The tensor for it.</param>
    /// <returns>All outputs, owned by the caller.</returns>
    public OnnxRunResults Run(string inputName, OnnxTensor input)
        => Run(new Dictionary<string, OnnxTensor>(1, StringComparer.Ordinal) { [inputName] = input });

    /// <summary>
    /// Runs the model writing into caller-allocated outputs: nothing is allocated for results, and each output
    /// tensor must have the exact shape the model produces.
    /// </summary>
    /// <param name="inputs">Every model input by name.</param>
    /// <param name="outputs">The outputs to compute, by name, each over caller memory the runtime writes into.</param>
    /// <exception cref="ArgumentException">An input or output is unknown, or of the wrong element type, rank or size.</exception>
    /// <exception cref="OnnxRuntimeException">The runtime failed (for example, an output buffer of the wrong size).</exception>
    public void Run(IReadOnlyDictionary<string, OnnxTensor> inputs, IReadOnlyDictionary<string, OnnxTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var (inNames, inTensors) = ResolveInputs(inputs);
        var outNames = new string[outputs.Count];
        var outTensors = new OnnxTensor[outputs.Count];
        var n = 0;
        foreach (var (name, tensor) in outputs)
        {
            ArgumentNullException.ThrowIfNull(tensor, $"outputs['{name}']");
            var info = _outputs[OutputIndex(name)];
            CheckTensor(info, tensor, "output");
            outNames[n] = info.Name;
            outTensors[n++] = tensor;
        }
        WithValues(inTensors, outTensors, (session, inValues, outValues) => session.Run(_runOptions, inNames, inValues, outNames, outValues!));
    }

    /// <summary>Creates an I/O binding for this session: inputs and outputs bound once, run many times.</summary>
    /// <returns>A binding; dispose it when done (before or after the session).</returns>
    public OnnxIoBinding CreateIoBinding() => new(this);

    /// <summary>Checks a tensor against what the model declares, before the runtime sees it.</summary>
    internal void CheckTensor(OnnxTensorInfo info, OnnxTensor tensor, string role)
    {
        if (info.ElementType != tensor.ElementType)
            throw new ArgumentException(
                $"The {role} '{info.Name}' of model '{ModelName}' expects {info.ElementType} elements but was given a {tensor.ElementType} tensor; " +
                $"create the tensor over memory of the matching type.");
        var shape = tensor.ShapeArray;
        var expected = OnnxElementTypes.Format(info.Dimensions, info.SymbolicDimensions);
        if (info.Rank != shape.Length)
            throw new ArgumentException(
                $"The {role} '{info.Name}' of model '{ModelName}' expects rank {info.Rank} {expected} but was given shape {OnnxElementTypes.Format(shape)} (rank {shape.Length}).");
        for (var d = 0; d < shape.Length; d++)
        {
            var want = info.Dimensions[d];
            if (want >= 0 && want != shape[d])
                throw new ArgumentException(
                    $"The {role} '{info.Name}' of model '{ModelName}' expects shape {expected} but was given {OnnxElementTypes.Format(shape)}: " +
                    $"dimension {d} is {shape[d]}, the model fixes it at {want}.");
        }
    }

    private (string[] Names, OnnxTensor[] Tensors) ResolveInputs(IReadOnlyDictionary<string, OnnxTensor> inputs)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var names = new string[inputs.Count];
        var tensors = new OnnxTensor[inputs.Count];
        var n = 0;
        foreach (var (name, tensor) in inputs)
        {
            ArgumentNullException.ThrowIfNull(tensor, $"inputs['{name}']");
            var info = _inputs[InputIndex(name)];
            CheckTensor(info, tensor, "input");
            names[n] = info.Name;
            tensors[n++] = tensor;
        }
        if (inputs.Count < _inputs.Length)
        {
            var missing = _inputs.Where(i => !inputs.ContainsKey(i.Name)).Select(i => i.ToString());
            throw new ArgumentException($"Model '{ModelName}' needs every input; missing: {string.Join(", ", missing)}.", nameof(inputs));
        }
        return (names, tensors);
    }

    /// <summary>One native run, holding a reference on the session and every value so none is released mid-call.</summary>
    private void WithValues(OnnxTensor[] inTensors, OnnxTensor[]? outTensors, Action<InferenceSession, OrtValue[], OrtValue[]?> run)
    {
        var held = new List<OnnxShared<OrtValue>>(inTensors.Length + (outTensors?.Length ?? 0));
        var session = Acquire();
        try
        {
            var inValues = new OrtValue[inTensors.Length];
            for (var i = 0; i < inValues.Length; i++)
            {
                held.Add(inTensors[i].Acquire());
                inValues[i] = held[^1].Value;
            }
            OrtValue[]? outValues = null;
            if (outTensors is not null)
            {
                outValues = new OrtValue[outTensors.Length];
                for (var i = 0; i < outValues.Length; i++)
                {
                    held.Add(outTensors[i].Acquire());
                    outValues[i] = held[^1].Value;
                }
            }
            run(session.Value, inValues, outValues);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw OnnxErrors.From(e, _running);
        }
        finally
        {
            foreach (var value in held)
                value.Release();
            session.Release();
        }
    }

    private static OnnxRunResults Wrap(string[] names, IDisposableReadOnlyCollection<OrtValue> produced)
    {
        var values = produced.ToArray();
        var results = new OnnxOutputTensor[values.Length];
        var wrapped = 0;
        try
        {
            for (; wrapped < values.Length; wrapped++)
                results[wrapped] = new OnnxOutputTensor(names[wrapped], values[wrapped]);
            return new OnnxRunResults(results);
        }
        catch
        {
            // Release what was wrapped and what was not yet.
            for (var i = 0; i < wrapped; i++)
                results[i].Dispose();
            for (var i = wrapped; i < values.Length; i++)
                values[i].Dispose();
            throw;
        }
    }
}
