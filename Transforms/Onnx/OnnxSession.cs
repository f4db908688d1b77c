using System.Text;
using MLNetAttn.Transforms.Native;

namespace MLNetAttn.Transforms.Onnx;

/// <summary>
/// A loaded ONNX model, ready to run on CPU or CUDA. Runs are thread-safe: many threads may call
/// <see cref="Run(IReadOnlyDictionary{string, OnnxTensor}, IReadOnlyList{string}?)"/> on one session at once.
/// </summary>
/// <remarks>
/// <code>using var session = OnnxSession.FromFile("model.onnx");</code>
/// Only load models you trust: a model is a program the runtime executes. Input and output names are
/// converted to native UTF-8 once, here, and inputs are checked (name, element type, rank, fixed dimensions)
/// before the runtime sees them.
/// </remarks>
public sealed unsafe partial class OnnxSession : IDisposable
{
    private readonly OrtSessionHandle _session;
    private readonly OnnxTensorInfo[] _inputs;
    private readonly OnnxTensorInfo[] _outputs;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    // NUL-terminated UTF-8 names in one pinned array (the GC keeps it alive as long as a run references it).
    private readonly byte[] _nameBytes;
    private readonly IntPtr[] _inputNames;
    private readonly IntPtr[] _outputNames;
    private readonly string _running;
    private int _disposed;

    private OnnxSession(string modelName, OnnxSessionLoader.Result loaded)
    {
        ModelName = modelName;
        _session = loaded.Session;
        ExecutionProvider = loaded.ExecutionProvider;
        FallbackReason = loaded.FallbackReason;
        _running = $"running model '{modelName}'";
        try
        {
            var raw = _session.DangerousGetHandle();
            _inputs = ReadInfos(raw, input: true, modelName);
            _outputs = ReadInfos(raw, input: false, modelName);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _inputIndex = _inputs.ToDictionary(i => i.Name, i => i.Index, StringComparer.Ordinal);
        _outputIndex = _outputs.ToDictionary(o => o.Name, o => o.Index, StringComparer.Ordinal);
        var all = _inputs.Concat(_outputs).Select(i => Encoding.UTF8.GetBytes(i.Name + "\0")).ToArray();
        _nameBytes = GC.AllocateArray<byte>(all.Sum(a => a.Length), pinned: true);
        var pointers = new IntPtr[all.Length];
        var offset = 0;
        fixed (byte* start = _nameBytes)
        {
            for (var i = 0; i < all.Length; i++)
            {
                all[i].CopyTo(_nameBytes, offset);
                pointers[i] = (IntPtr)(start + offset);
                offset += all[i].Length;
            }
        }
        _inputNames = pointers[.._inputs.Length];
        _outputNames = pointers[_inputs.Length..];
    }

    /// <summary>The model's name in messages: the path it was loaded from, or the name given with the bytes.</summary>
    public string ModelName { get; }

    /// <summary>The model's inputs, in model order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs => _inputs;

    /// <summary>The model's outputs, in model order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs => _outputs;

    /// <summary>Where the session runs: "CUDA" when the CUDA provider was added, else "CPU".</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA was requested but not used (the runtime's words), or null when there was no fallback.</summary>
    public string? FallbackReason { get; }

    /// <summary>Loads a model file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Threads, optimization, device; null = <see cref="OnnxSessionOptions.Default"/>.</param>
    /// <exception cref="OnnxRuntimeException">The file is missing or not a valid model, or CUDA was required and is unavailable.</exception>
    public static OnnxSession FromFile(string path, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var doing = $"loading model '{path}'";
        var loaded = OnnxSessionLoader.Load(options ?? OnnxSessionOptions.Default, path, (env, so) =>
        {
            // ORTCHAR_T is wchar_t (UTF-16) on Windows and char (UTF-8) elsewhere.
            if (OperatingSystem.IsWindows())
            {
                fixed (char* p = path)
                    return OrtApi.CreateSession(env, p, so, doing);
            }
            var utf8 = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = utf8)
                return OrtApi.CreateSession(env, p, so, doing);
        });
        return new OnnxSession(path, loaded);
    }

    /// <summary>Loads a model from bytes in memory (the runtime copies what it needs; the span may be reused after).</summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="options">Threads, optimization, device; null = <see cref="OnnxSessionOptions.Default"/>.</param>
    /// <param name="modelName">A name for messages and logs; default "&lt;N bytes in memory&gt;".</param>
    /// <exception cref="OnnxRuntimeException">The bytes are empty or not a valid model, or CUDA was required and is unavailable.</exception>
    public static OnnxSession FromBytes(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null, string? modelName = null)
    {
        var name = modelName ?? $"<{model.Length} bytes in memory>";
        var doing = $"loading model '{name}'";
        if (model.IsEmpty)
            throw new OnnxRuntimeException(OnnxErrorCode.InvalidArgument, "The model bytes are empty; pass the contents of an .onnx file.", doing);
        fixed (byte* data = model)
        {
            var pointer = data;
            var length = (nuint)model.Length;
            var loaded = OnnxSessionLoader.Load(options ?? OnnxSessionOptions.Default, name,
                (env, so) => OrtApi.CreateSessionFromArray(env, pointer, length, so, doing));
            return new OnnxSession(name, loaded);
        }
    }

    /// <summary>Loads a model from a byte array; see <see cref="FromBytes(ReadOnlySpan{byte}, OnnxSessionOptions?, string?)"/>.</summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="options">Threads, optimization, device; null = defaults.</param>
    /// <param name="modelName">A name for messages and logs.</param>
    public static OnnxSession FromBytes(byte[] model, OnnxSessionOptions? options = null, string? modelName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return FromBytes(model.AsSpan(), options, modelName);
    }

    /// <summary>The input called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The model has no such input.</exception>
    public OnnxTensorInfo GetInput(string name) => _inputs[InputIndex(name)];

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The model has no such output.</exception>
    public OnnxTensorInfo GetOutput(string name) => _outputs[OutputIndex(name)];

    /// <summary>Releases the native session. Safe to call more than once; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _session.Dispose();
    }

    internal OrtSessionHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return _session;
        }
    }

    internal IntPtr InputNamePointer(int index) => _inputNames[index];

    internal IntPtr OutputNamePointer(int index) => _outputNames[index];

    internal int InputIndex(string name)
        => _inputIndex.TryGetValue(name, out var i) ? i
            : throw new ArgumentException($"Model '{ModelName}' has no input '{name}'. Its inputs: {string.Join(", ", _inputs.Select(x => x.ToString()))}.", nameof(name));

    internal int OutputIndex(string name)
        => _outputIndex.TryGetValue(name, out var i) ? i
            : throw new ArgumentException($"Model '{ModelName}' has no output '{name}'. Its outputs: {string.Join(", ", _outputs.Select(x => x.ToString()))}.", nameof(name));

    private static OnnxTensorInfo[] ReadInfos(IntPtr session, bool input, string modelName)
    {
        var what = input ? "input" : "output";
        var doing = $"reading the {what}s of model '{modelName}'";
        var count = OrtApi.SessionGetCount(session, input, doing);
        var result = new OnnxTensorInfo[count];
        for (var i = 0; i < count; i++)
        {
            var name = OrtApi.SessionGetName(session, input, i, doing);
            var typeInfo = OrtApi.SessionGetTypeInfo(session, input, i, doing);
            try
            {
                var tensorInfo = OrtApi.CastTypeInfoToTensorInfo(typeInfo, doing);
                if (tensorInfo == IntPtr.Zero)
                {
                    result[i] = new OnnxTensorInfo(name, i, OnnxElementType.Undefined, [], []);
                    continue;
                }
                var type = (OnnxElementType)OrtApi.GetTensorElementType(tensorInfo, doing);
                var dims = OrtApi.GetDimensions(tensorInfo, doing);
                var symbols = OrtApi.GetSymbolicDimensions(tensorInfo, dims.Length, doing);
                for (var d = 0; d < dims.Length; d++)
                    if (dims[d] >= 0)
                        symbols[d] = null; // a fixed size has no symbol to report
                result[i] = new OnnxTensorInfo(name, i, type, dims, symbols);
            }
            finally
            {
                OrtApi.ReleaseTypeInfo(typeInfo);
            }
        }
        return result;
    }
}
