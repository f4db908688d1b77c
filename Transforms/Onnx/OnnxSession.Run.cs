using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Onnx;

// Running: inputs over caller memory, outputs either allocated by the runtime or supplied by the caller.
public sealed unsafe partial class OnnxSession
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
        var (inIndex, inTensors) = ResolveInputs(inputs);
        int[] outIndex;
        if (outputNames is null)
        {
            outIndex = new int[_outputs.Length];
            for (var i = 0; i < outIndex.Length; i++)
                outIndex[i] = i;
        }
        else
        {
            outIndex = new int[outputNames.Count];
            for (var i = 0; i < outIndex.Length; i++)
                outIndex[i] = OutputIndex(outputNames[i]);
        }

        var produced = new IntPtr[outIndex.Length];
        RunCore(inIndex, inTensors, outIndex, null, produced);
        return WrapOutputs(outIndex, produced);
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
        var (inIndex, inTensors) = ResolveInputs(inputs);
        var outIndex = new int[outputs.Count];
        var outTensors = new OnnxTensor[outputs.Count];
        var n = 0;
        foreach (var (name, tensor) in outputs)
        {
            ArgumentNullException.ThrowIfNull(tensor, $"outputs['{name}']");
            outIndex[n] = OutputIndex(name);
            CheckTensor(_outputs[outIndex[n]], tensor, "output");
            outTensors[n++] = tensor;
        }
        RunCore(inIndex, inTensors, outIndex, outTensors, new IntPtr[outIndex.Length]);
    }

    /// <summary>Creates an I/O binding for this session: inputs and outputs bound once, run many times.</summary>
    /// <returns>A binding; dispose it before the session.</returns>
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

    private (int[] Index, OnnxTensor[] Tensors) ResolveInputs(IReadOnlyDictionary<string, OnnxTensor> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var index = new int[inputs.Count];
        var tensors = new OnnxTensor[inputs.Count];
        var n = 0;
        foreach (var (name, tensor) in inputs)
        {
            ArgumentNullException.ThrowIfNull(tensor, $"inputs['{name}']");
            index[n] = InputIndex(name);
            CheckTensor(_inputs[index[n]], tensor, "input");
            tensors[n++] = tensor;
        }
        if (inputs.Count < _inputs.Length)
        {
            var missing = _inputs.Where(i => !inputs.ContainsKey(i.Name)).Select(i => i.ToString());
            throw new ArgumentException($"Model '{ModelName}' needs every input; missing: {string.Join(", ", missing)}.", nameof(inputs));
        }
        return (index, tensors);
    }

    /// <summary>One native Run. Holds a reference on the session and every value so none is released mid-call.</summary>
    private void RunCore(int[] inIndex, OnnxTensor[] inTensors, int[] outIndex, OnnxTensor[]? outTensors, IntPtr[] outValues)
    {
        var leases = new OrtHandle.Lease[1 + inTensors.Length + (outTensors?.Length ?? 0)];
        var held = 0;
        var inNames = new IntPtr[inIndex.Length];
        var inValues = new IntPtr[inIndex.Length];
        var outNames = new IntPtr[outIndex.Length];
        try
        {
            leases[held++] = Handle.Acquire();
            for (var i = 0; i < inIndex.Length; i++)
            {
                inNames[i] = _inputNames[inIndex[i]];
                leases[held] = inTensors[i].Handle.Acquire();
                inValues[i] = leases[held++].Pointer;
            }
            for (var i = 0; i < outIndex.Length; i++)
            {
                outNames[i] = _outputNames[outIndex[i]];
                if (outTensors is not null)
                {
                    leases[held] = outTensors[i].Handle.Acquire();
                    outValues[i] = leases[held++].Pointer;
                }
            }
            fixed (IntPtr* pInNames = inNames, pInValues = inValues, pOutNames = outNames, pOutValues = outValues)
            {
                OrtApi.Run(leases[0].Pointer, pInNames, pInValues, (nuint)inIndex.Length, pOutNames, (nuint)outIndex.Length, pOutValues, _running);
            }
            GC.KeepAlive(_nameBytes); // the name pointers point into it (pinned, so it cannot move, only die)
        }
        finally
        {
            for (var i = 0; i < held; i++)
                leases[i].Dispose();
        }
    }

    private OnnxRunResults WrapOutputs(int[] outIndex, IntPtr[] produced)
    {
        var results = new OnnxOutputTensor[produced.Length];
        var wrapped = 0;
        try
        {
            for (; wrapped < produced.Length; wrapped++)
            {
                var handle = new OrtValueHandle(produced[wrapped]);
                produced[wrapped] = IntPtr.Zero; // owned by the handle from here on
                try
                {
                    results[wrapped] = new OnnxOutputTensor(_outputs[outIndex[wrapped]].Name, handle);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
            }
            return new OnnxRunResults(results);
        }
        catch
        {
            // Release what was wrapped and what was not yet.
            for (var i = 0; i < wrapped; i++)
                results[i].Dispose();
            foreach (var p in produced)
                if (p != IntPtr.Zero)
                    OrtApi.ReleaseValue(p);
            throw;
        }
    }
}
