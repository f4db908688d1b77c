using Microsoft.ML.OnnxRuntime;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// A loaded ONNX model, ready to run on CPU or CUDA. Runs are thread-safe: many threads may call
/// <see cref="Run(IReadOnlyDictionary{string, OnnxTensor}, IReadOnlyList{string}?)"/> on one session at once.
/// </summary>
/// <remarks>
/// <code>using var session = OnnxSession.FromFile("model.onnx");</code>
/// Only load models you trust: a model is a program the runtime executes. Built on ONNX Runtime's managed API
/// (<see cref="InferenceSession"/>); inputs are checked (name, element type, rank, fixed dimensions) before the
/// runtime sees them. Where the session runs is chosen by <see cref="OnnxSessionOptions.GpuDeviceId"/> and
/// <see cref="OnnxSessionOptions.FallbackToCpu"/> and reported by <see cref="ExecutionProvider"/>.
/// </remarks>
public sealed partial class OnnxSession : IDisposable
{
    private readonly OnnxShared<InferenceSession> _session;
    private readonly RunOptions _runOptions;
    private readonly OnnxTensorInfo[] _inputs;
    private readonly OnnxTensorInfo[] _outputs;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly string _running;
    private int _disposed;

    private OnnxSession(string modelName, OnnxSessionLoader.Result loaded)
    {
        ModelName = modelName;
        ExecutionProvider = loaded.ExecutionProvider;
        FallbackReason = loaded.FallbackReason;
        _running = $"running model '{modelName}'";
        var session = loaded.Session;
        try
        {
            _inputs = ReadInfos(session.InputNames, session.InputMetadata);
            _outputs = ReadInfos(session.OutputNames, session.OutputMetadata);
            _runOptions = new RunOptions();
        }
        catch
        {
            session.Dispose();
            throw;
        }
        var runOptions = _runOptions;
        _session = new OnnxShared<InferenceSession>(session, runOptions.Dispose);
        _inputIndex = _inputs.ToDictionary(i => i.Name, i => i.Index, StringComparer.Ordinal);
        _outputIndex = _outputs.ToDictionary(o => o.Name, o => o.Index, StringComparer.Ordinal);
    }

    /// <summary>The model's name in messages: the path it was loaded from, or the name given with the bytes.</summary>
    public string ModelName { get; }

    /// <summary>The model's inputs, in model order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs => _inputs;

    /// <summary>The model's outputs, in model order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs => _outputs;

    /// <summary>Where the session runs: "CUDA" when the CUDA provider was added, else "CPU".</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA was requested but not used, or null when there was no fallback.</summary>
    public string? FallbackReason { get; }

    /// <summary>Loads a model file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Threads, optimization, device; null = <see cref="OnnxSessionOptions.Default"/>.</param>
    /// <exception cref="OnnxRuntimeException">The file is missing or not a valid model, or CUDA was required and is unavailable.</exception>
    public static OnnxSession FromFile(string path, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var loaded = OnnxSessionLoader.Load(options ?? OnnxSessionOptions.Default, path, so => new InferenceSession(path, so));
        return new OnnxSession(path, loaded);
    }

    /// <summary>Loads a model from bytes in memory (the runtime copies what it needs; the span may be reused after).</summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="options">Threads, optimization, device; null = <see cref="OnnxSessionOptions.Default"/>.</param>
    /// <param name="modelName">A name for messages and logs; default "&lt;N bytes in memory&gt;".</param>
    /// <exception cref="OnnxRuntimeException">The bytes are empty or not a valid model, or CUDA was required and is unavailable.</exception>
    public static OnnxSession FromBytes(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null, string? modelName = null)
        => FromBytes(model.ToArray(), options, modelName);

    /// <summary>Loads a model from a byte array; see <see cref="FromBytes(ReadOnlySpan{byte}, OnnxSessionOptions?, string?)"/>.</summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="options">Threads, optimization, device; null = defaults.</param>
    /// <param name="modelName">A name for messages and logs.</param>
    public static OnnxSession FromBytes(byte[] model, OnnxSessionOptions? options = null, string? modelName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = modelName ?? $"<{model.Length} bytes in memory>";
        if (model.Length == 0)
            throw new OnnxRuntimeException(OnnxErrorCode.InvalidArgument, "The model bytes are empty; pass the contents of an .onnx file.", $"loading model '{name}'");
        var loaded = OnnxSessionLoader.Load(options ?? OnnxSessionOptions.Default, name, so => new InferenceSession(model, so));
        return new OnnxSession(name, loaded);
    }

    /// <summary>The input called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The model has no such input.</exception>
    public OnnxTensorInfo GetInput(string name) => _inputs[InputIndex(name)];

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The model has no such output.</exception>
    public OnnxTensorInfo GetOutput(string name) => _outputs[OutputIndex(name)];

    /// <summary>
    /// Releases the native session (once runs and bindings still using it let go). Safe to call more than once;
    /// later use throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _session.Release();
    }

    /// <summary>The session with a reference held for the caller, who must release it.</summary>
    internal OnnxShared<InferenceSession> Acquire()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _session.Acquire();
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal RunOptions RunOptions => _runOptions;

    internal string Running => _running;

    internal int InputIndex(string name)
        => _inputIndex.TryGetValue(name, out var i) ? i
            : throw new ArgumentException($"Model '{ModelName}' has no input '{name}'. Its inputs: {string.Join(", ", _inputs.Select(x => x.ToString()))}.", nameof(name));

    internal int OutputIndex(string name)
        => _outputIndex.TryGetValue(name, out var i) ? i
            : throw new ArgumentException($"Model '{ModelName}' has no output '{name}'. Its outputs: {string.Join(", ", _outputs.Select(x => x.ToString()))}.", nameof(name));

    private static OnnxTensorInfo[] ReadInfos(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var result = new OnnxTensorInfo[names.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var node = metadata[names[i]];
            if (!node.IsTensor)
            {
                result[i] = new OnnxTensorInfo(names[i], i, OnnxElementType.Undefined, [], []);
                continue;
            }
            var dims = node.Dimensions.Select(d => (long)d).ToArray();
            var symbols = new string?[dims.Length];
            for (var d = 0; d < dims.Length; d++)
                // A fixed size has no symbol to report; an unnamed free dimension comes back as "".
                symbols[d] = dims[d] < 0 && node.SymbolicDimensions[d] is { Length: > 0 } s ? s : null;
            result[i] = new OnnxTensorInfo(names[i], i, (OnnxElementType)(int)node.ElementDataType, dims, symbols);
        }
        return result;
    }
}
